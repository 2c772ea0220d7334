"""Source-specific code a contract names: helper columns, scale derivation, child tables.

Hooks compute; they never decide. A helper column (`_has_failed_items`, `_exceeds_limit`,
...) only states a fact about a row, and the contract's checks, run by the Great
Expectations suite, decide whether that fact is acceptable.
"""

from __future__ import annotations

from ingestion.hooks.failed_items import has_failed_items, split_failed_items
from ingestion.hooks.indicators import expected_indicator_name, expected_indicator_unit
from ingestion.hooks.measurements import exceeds_limit
from ingestion.hooks.scale import scale_class_from_size

HELPER_COLUMNS = {
    "has_failed_items": has_failed_items,
    "exceeds_limit": exceeds_limit,
    "expected_indicator_name": expected_indicator_name,
    "expected_indicator_unit": expected_indicator_unit,
}
WHEN_ABSENT = {"scale_class_from_size": scale_class_from_size}
CHILD_TABLES = {"split_failed_items": split_failed_items}

__all__ = ["CHILD_TABLES", "HELPER_COLUMNS", "WHEN_ABSENT"]
