"""Computations a contract names by hook: helper columns and derivations of absent columns.

Hooks compute; they never decide. A helper column (`_exceeds_limit`, `_expected_unit`, ...)
only states a fact about a row, and the contract's checks, run by the Great Expectations
suite, decide whether that fact is acceptable. Which hooks exist, of what kind and with
which parameters is declared in ingestion.contracts.schema.HOOKS, so a contract naming an
unknown hook fails when it is loaded; this module holds their implementations and refuses
to import unless it implements exactly the declared names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from ingestion.contracts import Contract
from ingestion.contracts.schema import HOOKS, HookCall
from ingestion.hooks.indicators import expected_indicator_name, expected_indicator_unit
from ingestion.hooks.measurements import exceeds_limit
from ingestion.hooks.scale import scale_class_from_size

#: A hook: (contract, the batch so far, its parameters from the contract) -> new columns.
Hook = Callable[[Contract, pa.Table, Any], dict[str, pa.Array]]

IMPLEMENTATIONS: dict[str, Hook] = {
    "scale_class_from_size": scale_class_from_size,
    "exceeds_limit": exceeds_limit,
    "expected_indicator_name": expected_indicator_name,
    "expected_indicator_unit": expected_indicator_unit,
}

if set(IMPLEMENTATIONS) != set(HOOKS):  # a declared hook without code, or code undeclared
    raise ImportError(
        f"hooks declared and implemented differ: {sorted(set(IMPLEMENTATIONS) ^ set(HOOKS))}"
    )


def run_hook(call: HookCall, contract: Contract, table: pa.Table) -> dict[str, pa.Array]:
    """The columns a hook computes for this batch, with the parameters the contract gave it."""
    return IMPLEMENTATIONS[call.hook](contract, table, call.params)


__all__ = ["IMPLEMENTATIONS", "run_hook"]
