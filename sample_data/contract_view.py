"""The generator's window on the contract.

Aliases, vocabularies, verdict words, placeholders, separators and the county and indicator
tables are read from the contract files through :mod:`ingestion.contracts.loader`, never
copied here: when a clerk's new spelling is added to a contract, the generated exports start
using it without a code change, and the tests that check "every variation appears" follow.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from ingestion.contracts.loader import common_rules, counties, get_contract, indicators
from ingestion.contracts.schema import County, Indicator
from ingestion.hooks.scale import scale_class, scale_rules

MARKET = "market_sampling"
AGRI = "agri_testing"
CONSTRUCTION = "construction_acceptance"
INDICATORS = "indicator_reports"
SOURCES = (MARKET, AGRI, CONSTRUCTION, INDICATORS)

#: The period every sample falls in: after the contract's ``date_min`` and before any load day,
#: so a generated date breaks a date rule only where a defect is planted.
FIRST_DAY = date(2025, 1, 1)
LAST_DAY = date(2025, 10, 31)

#: Indicators computed from the departmental exports, never reported on the return template.
MEASURED_INDICATORS = (
    "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE",
    "QUAL_MFG_PRODUCT_PASS_RATE",
    "QUAL_AGRI_MONITORING_PASS_RATE",
    "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE",
)


def aliases(source: str, column: str) -> tuple[str, ...]:
    """Every header spelling the contract accepts for ``column``."""
    found = get_contract(source).column(column).aliases
    if not found:
        raise KeyError(f"{source}.{column} has no aliases in the contract")
    return found


def vocabulary(source: str, column: str) -> dict[str, tuple[str, ...]]:
    """Canonical value -> the words an export may use for it."""
    vocab = get_contract(source).column(column).vocabulary
    if not vocab:
        raise KeyError(f"{source}.{column} has no vocabulary in the contract")
    return vocab


def export_words(source: str, column: str, canonical: str) -> tuple[str, ...]:
    """The words a Chinese export uses for ``canonical``.

    The contract also lists the canonical English token itself (``food``) so the loader is
    idempotent on its own output; a clerk never types it, so the generator leaves it out.
    """
    return tuple(w for w in vocabulary(source, column)[canonical] if w != canonical)


def file_name_rules(source: str, column: str) -> tuple[tuple[str, str], ...]:
    """(word in the file name, canonical value) pairs, first match wins."""
    rules = get_contract(source).file_name_rules.get(column, ())
    return tuple((r.contains, r.value) for r in rules)


def value_from_file_name(source: str, column: str, name: str) -> str | None:
    """What the contract's file-name rule decides for ``name`` (None: undecidable)."""
    for word, value in file_name_rules(source, column):
        if word in name:
            return value
    return None


def pass_words() -> tuple[str, ...]:
    return common_rules().verdicts.pass_


def fail_words() -> tuple[str, ...]:
    return common_rules().verdicts.fail


def fail_prefixes() -> tuple[str, ...]:
    return common_rules().verdicts.fail_prefixes


def placeholders() -> tuple[str, ...]:
    return common_rules().placeholders


def below_detection_words() -> tuple[str, ...]:
    return common_rules().below_detection


def field_separators() -> tuple[str, ...]:
    return get_contract(MARKET).child_tables[0].field_separators


def item_separators() -> tuple[str, ...]:
    return get_contract(MARKET).child_tables[0].item_separators


def excel_epoch() -> date:
    return date.fromisoformat(common_rules().excel_epoch)


def city_code() -> str:
    return common_rules().city_code


@cache
def county_table() -> tuple[County, ...]:
    return counties()


def indicator_table() -> dict[str, Indicator]:
    return indicators()


def derive_scale(floor_area_m2: float, cost_10k_yuan: float) -> str:
    """The contract's scale rule: the first class any of whose bounds holds."""
    rules = scale_rules(get_contract(CONSTRUCTION), "scale_class")
    return scale_class(rules, floor_area_m2, cost_10k_yuan)


def bounds(source: str, column: str) -> tuple[float | None, float | None]:
    """Inclusive (min, max) of a numeric column, when the contract sets any.

    Read with ``getattr`` so the generator keeps working on a contract without bounds;
    a source with no bounded column then simply shows no ``out_of_range`` rows.
    """
    spec = get_contract(source).column(column)
    return getattr(spec, "min_value", None), getattr(spec, "max_value", None)


def out_of_range_value(source: str, column: str) -> float | None:
    """A value just outside the column's bounds (None when it has none)."""
    low, high = bounds(source, column)
    if low is not None:
        return low - max(1.0, abs(low))
    if high is not None:
        return high + max(1.0, abs(high))
    return None


def max_cell_chars() -> int | None:
    """Longest cell the contract accepts; a longer one is a ``value_too_long`` row."""
    return getattr(common_rules(), "max_cell_chars", None)
