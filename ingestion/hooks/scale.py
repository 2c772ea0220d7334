"""Construction: project scale from floor area and cost when the export has no 工程规模."""

from __future__ import annotations

import pyarrow as pa

from ingestion.contracts import Contract


def scale_class_from_size(contract: Contract, table: pa.Table) -> dict[str, pa.Array]:
    """First class of the contract's `scale_rule` whose area or cost bound holds.

    With neither area nor cost known the class stays empty, and the row is quarantined as
    missing a required value: a guess would move the first-acceptance rate.
    """
    classes = []
    for area, cost in zip(
        table["floor_area_m2"].to_pylist(), table["cost_10k_yuan"].to_pylist(), strict=True
    ):
        if area is None and cost is None:
            classes.append(None)
            continue
        for rule in contract.scale_rule:
            bounded = rule.min_floor_area_m2 is not None or rule.min_cost_10k_yuan is not None
            area_ok = (
                rule.min_floor_area_m2 is not None
                and area is not None
                and area >= rule.min_floor_area_m2
            )
            cost_ok = (
                rule.min_cost_10k_yuan is not None
                and cost is not None
                and cost >= rule.min_cost_10k_yuan
            )
            if not bounded or area_ok or cost_ok:
                classes.append(rule.class_)
                break
    derived = [c is not None for c in classes]
    return {
        "scale_class": pa.array(classes, pa.string()),
        "scale_class_derived": pa.array(derived, pa.bool_()),
    }
