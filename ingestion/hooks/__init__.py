"""Source-specific rules that need code, each named in a contract and registered here.

A contract points to a hook by name (`row_checks`, `when_absent`, `child_tables[].hook`);
the engine looks the name up in these tables and knows nothing else about any source.
"""

from __future__ import annotations

from ingestion.hooks.failed_items import split_failed_items, verdict_matches_failed_items
from ingestion.hooks.indicators import indicator_name_matches_code, indicator_unit_matches
from ingestion.hooks.measurements import measured_value_matches_verdict
from ingestion.hooks.scale import scale_class_from_size

ROW_CHECKS = {
    "verdict_matches_failed_items": verdict_matches_failed_items,
    "measured_value_matches_verdict": measured_value_matches_verdict,
    "indicator_name_matches_code": indicator_name_matches_code,
    "indicator_unit_matches": indicator_unit_matches,
}
WHEN_ABSENT = {"scale_class_from_size": scale_class_from_size}
CHILD_TABLES = {"split_failed_items": split_failed_items}

__all__ = ["CHILD_TABLES", "ROW_CHECKS", "WHEN_ABSENT"]
