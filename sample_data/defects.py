"""Bad values a row can carry, one per rule code of messages.yaml's ``row:`` section.

Each value is chosen to break exactly one rule whatever a sensible reader does: an invalid
date is no date in any spelling (``2025-13-45``), an out-of-range date is well formed but
before the contract's ``date_min``, a bad number has no number in it at all. Values that a
lenient reader might still read (``约0.3``, ``特大型`` containing ``大型``) are avoided on
purpose, so the manifest can name the one rule the row must be quarantined under.
"""

from __future__ import annotations

import random

from sample_data import places
from sample_data.builder import EXTRA
from sample_data.cells import Cell

Row = dict[str, Cell]
#: What a defect turns one record into: the rows written, each with its expected rule.
Emitted = list[tuple[Row, str | None]]

BAD_DATES = ("2025-13-45", "下周二", "2025年2月30日", "2025/02/31")
OLD_DATES = ("1999-05-01", "1998/10/8", "1985.6.1")
BAD_NUMBERS = ("见附件", "1.2.3", "待核实")
BAD_INTEGERS = ("1.5", "2.5")
BAD_VERDICTS = ("待定", "复检中", "见报告")
BAD_PERIODS = ("2025Q5", "去年", "2025-13", "2025年第五季度")
#: A county code of another city (南昌市东湖区), for a file that writes counties as codes.
FOREIGN_COUNTY_CODE = "360102"
UNKNOWN_INDICATORS = ("QUAL_UNKNOWN_RATE", "ECON_GDP_GROWTH", "STD_ENTERPRISE")

#: Row rules every source can show, and the ones only some sources can.
COMMON_ROW_RULES = (
    "required_missing",
    "invalid_date",
    "date_out_of_range",
    "duplicate_key",
    "duplicate_row",
)


def replace(row: Row, column: str, value: Cell, rule: str) -> Emitted:
    out = dict(row)
    out[column] = value
    return [(out, rule)]


def duplicate_row(row: Row) -> Emitted:
    """The row, then an exact repeat: the first loads, the repeat is quarantined."""
    return [(row, None), (dict(row), "duplicate_row")]


def duplicate_key(row: Row, other: Row) -> Emitted:
    """Two rows with one natural key and different values: neither can be trusted."""
    if row == other:
        raise ValueError("a duplicate_key pair must differ outside the key")
    return [(row, "duplicate_key"), (other, "duplicate_key")]


def malformed(row: Row) -> Emitted:
    """A CSV row with more cells than the header (a stray comma in a hand-typed cell)."""
    out = dict(row)
    out[EXTRA] = "多余内容\x1f见附件"
    return [(out, "malformed_row")]


def bad_date(rng: random.Random) -> str:
    return rng.choice(BAD_DATES)


def old_date(rng: random.Random) -> str:
    return rng.choice(OLD_DATES)


def unknown_county(
    row: Row,
    county_column: str | None,
    address_columns: tuple[str, ...],
    rng: random.Random,
    *,
    codes_only: bool = False,
) -> Emitted:
    """Every place of the row outside Yichun: the county cell (when the file has one) and
    the addresses it could otherwise be read from, so no reader can find a county."""
    out = dict(row)
    for column in address_columns:
        out[column] = rng.choice(places.FOREIGN_ADDRESSES)
    if county_column is not None:
        out[county_column] = (
            FOREIGN_COUNTY_CODE if codes_only else rng.choice(places.FOREIGN_COUNTIES)
        )
    return [(out, "unknown_county")]
