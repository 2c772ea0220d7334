"""Bad values a row can carry, one per rule code of messages.yaml's ``row:`` section.

Each value is chosen to break exactly one rule whatever a sensible reader does: an invalid
date is no date in any spelling (``2025-13-45``), an out-of-range date is well formed but
before the contract's ``date_min``, a bad number has no number in it at all. Values that a
lenient reader might still read (``约0.3``, ``特大型`` containing ``大型``) are avoided on
purpose, so the manifest can name the one rule the row must be quarantined under.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

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


#: What a cell holds to break a rule on its own, for the rules one bad cell breaks.
BAD_VALUES: dict[str, tuple[str, ...]] = {
    "required_missing": ("", "/"),
    "invalid_date": BAD_DATES,
    "date_out_of_range": OLD_DATES,
    "invalid_number": BAD_NUMBERS,
    "invalid_integer": BAD_INTEGERS,
    "invalid_verdict": BAD_VERDICTS,
    "invalid_period": BAD_PERIODS,
    "unknown_value": ("其他", "未分类"),
}


def simple(
    code: str,
    row: Row,
    rng: random.Random,
    targets: Mapping[str, str | tuple[str, ...] | None],
    *,
    words: Mapping[str, tuple[str, ...]] | None = None,
    twin: tuple[str, str] | None = None,
) -> Emitted | None:
    """The defects every source makes alike: one bad cell in the column ``targets`` names
    for the rule (one of several, chosen at random; a bad value from :data:`BAD_VALUES`
    unless ``words`` gives the source's own), a repeated row, a stray cell, and, with
    ``twin`` (column, suffix), a second row of the same key that differs in that column.
    None when the rule is not one of these or this file has no column for it."""
    if code == "duplicate_row":
        return duplicate_row(row)
    if code == "malformed_row":
        return malformed(row)
    if code == "duplicate_key" and twin is not None:
        column, suffix = twin
        return duplicate_key(row, {**row, column: f"{row[column]}{suffix}"})
    column = targets.get(code)
    if column is None or code not in BAD_VALUES:
        return None
    if isinstance(column, tuple):
        column = rng.choice(column)
    return replace(row, column, rng.choice((words or {}).get(code, BAD_VALUES[code])), code)


def file_rules(
    columns: Iterable[str],
    fmt: str,
    targets: Mapping[str, str | tuple[str, ...] | None],
    *own: str,
) -> tuple[str, ...]:
    """The row rules a file can show: the ones every source shows, each simple rule whose
    column(s) the file has (``targets`` as for :func:`simple`), the source's ``own`` rules
    and, in a CSV, a malformed row."""
    present = set(columns)
    simple_rules = [
        code
        for code, column in targets.items()
        if column is not None and set((column,) if isinstance(column, str) else column) <= present
    ]
    malformed_row = ("malformed_row",) if fmt == "csv" else ()
    return tuple(dict.fromkeys((*COMMON_ROW_RULES, *simple_rules, *own, *malformed_row)))


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
