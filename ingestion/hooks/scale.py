"""Project scale from floor area and cost when the export has no 工程规模."""

from __future__ import annotations

import pyarrow as pa

from ingestion.contracts import Contract
from ingestion.contracts.schema import ScaleParams, ScaleRule


def scale_class(rules: tuple[ScaleRule, ...], area: float | None, cost: float | None) -> str:
    """The first class whose area or cost bound holds (a class with no bound always does)."""
    for rule in rules:
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
            return rule.class_
    raise ValueError("scale rules without a catch-all class")  # ScaleParams forbids this


def scale_rules(contract: Contract, column: str) -> tuple[ScaleRule, ...]:
    """The rules a contract gives this hook on `column` (the sample-data generator's view)."""
    call = contract.column(column).when_absent
    assert call is not None and isinstance(call.params, ScaleParams), column
    return call.params.rules


def scale_class_from_size(
    contract: Contract, table: pa.Table, params: ScaleParams
) -> dict[str, pa.Array]:
    """The class of each row by the contract's rules, and that it was derived.

    With neither area nor cost known the class stays empty, and the row is quarantined as
    missing a required value: a guess would move the first-acceptance rate.
    """
    classes = [
        None if area is None and cost is None else scale_class(params.rules, area, cost)
        for area, cost in zip(
            table["floor_area_m2"].to_pylist(), table["cost_10k_yuan"].to_pylist(), strict=True
        )
    ]
    return {
        "scale_class": pa.array(classes, pa.string()),
        "scale_class_derived": pa.array([c is not None for c in classes], pa.bool_()),
    }
