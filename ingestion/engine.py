"""The generic engine: one contract + one header match turn raw text batches into typed rows.

Every cell is parsed by the parser of its column's type; parsers run once per distinct
value of a column (columns repeat dates, counties and verdicts endlessly), so the cost is
per distinct value, not per row. A row with any problem is quarantined whole, with every
problem it has; the first in column order is the one reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.children import child_rows
from ingestion.contracts import ColumnSpec, ColumnType, Contract, common_rules
from ingestion.contracts.schema import Condition, FileNameRule, HookCall
from ingestion.errors import FileRejected
from ingestion.header import HeaderMatch
from ingestion.hooks import run_hook
from ingestion.hooks.base import RAW_PREFIX
from ingestion.normalize.dates import add_days, parse_date, parse_relative_days
from ingestion.normalize.folded_cells import folded_mask
from ingestion.normalize.numbers import parse_integer, parse_number
from ingestion.normalize.periods import parse_period
from ingestion.normalize.places import resolve_county
from ingestion.normalize.text import (
    CONTROL_CHARS,
    clean_text,
    nfkc,
    normalize_header,
    squeeze,
    strip_control,
)
from ingestion.normalize.verdicts import failed_items_in_verdict, parse_verdict
from ingestion.normalize.vocabularies import parse_enum, parse_indicator_code
from ingestion.problems import Problem, encode
from ingestion.readers.base import RawBatch
from ingestion.trailers import trailer_rows

if TYPE_CHECKING:  # Great Expectations loads slowly; the loader imports it while it reads
    from ingestion.validation.runner import FileValidator

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.STRING: pa.string(),
    ColumnType.DATE: pa.date32(),
    ColumnType.NUMBER: pa.float64(),
    ColumnType.INTEGER: pa.int32(),
    ColumnType.BOOLEAN: pa.bool_(),
    ColumnType.VERDICT: pa.string(),
    ColumnType.ENUM: pa.string(),
    ColumnType.COUNTY: pa.string(),
    ColumnType.PERIOD: pa.string(),
    ColumnType.INDICATOR_CODE: pa.string(),
}

#: Parsed values remembered per column across batches (dates and counties repeat endlessly;
#: a column of distinct values must not grow the memo with the file).
_MEMO_LIMIT = 200_000

#: Rules that follow from another problem on the same column, reported only when alone.
_CONSEQUENTIAL = frozenset({"required_missing", "verdict_inconsistent"})

#: A parsed cell: (value, encoded problem or None, below-detection flag for numbers).
Parsed = tuple[Any, str | None, bool | None]


@dataclass
class QuarantinedRow:
    row_number: int
    problems: list[Problem]
    #: the row's cells as the clerk typed them, in the file's order, empty ones included
    #: (a malformed row: its cells, however many); the header row is the load's
    original: list[str]


@dataclass
class NormalizedBatch:
    good: pa.Table
    quarantined: list[QuarantinedRow]
    children: dict[str, pa.Table]
    rows_read: int
    rows_skipped: int
    #: control characters removed from the batch's cells (see parse_batch)
    control_chars_removed: int = 0
    skipped: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class _Source:
    """How one canonical column is obtained in this file."""

    column: ColumnSpec
    position: int | None = None  # read from this cell
    constant: Any = None  # or fixed for the whole file (file name rule, default)
    hook: HookCall | None = None  # or filled by a when_absent hook
    numbered: bool = False  # or numbered within a group of rows (ColumnSpec.number_within)


@dataclass
class FilePlan:
    """The per-file decisions: which cell feeds which column, what the file name says."""

    contract: Contract
    match: HeaderMatch
    file_name: str
    load_date: date
    sources: dict[str, _Source] = field(default_factory=dict)
    #: header -> the word of the file name that supplied the column (抽检类型 -> 食品)
    file_name_words: dict[str, str] = field(default_factory=dict)
    _memo: dict[str, dict[str, Parsed]] = field(default_factory=dict)
    #: numbered columns: the last number given in each group so far, and the last row
    #: numbered (a batch starting at or before it means the reader started the file again)
    _numbers: dict[str, dict[Any, int]] = field(default_factory=dict)
    _last_numbered_row: int = -1

    @classmethod
    def build(
        cls, contract: Contract, match: HeaderMatch, file_name: str, load_date: date
    ) -> FilePlan:
        plan = cls(contract, match, file_name, load_date)
        missing: list[str] = []
        for col in contract.columns:
            source = _Source(col, position=match.positions.get(col.name))
            if source.position is None:
                if col.name in contract.file_name_rules:
                    rule = _from_file_name(contract, col.name, file_name)
                    source.constant = rule.value
                    plan.file_name_words[contract.header_of(col.name)] = rule.contains
                elif col.when_absent:
                    source.hook = col.when_absent
                elif col.number_within:
                    source.numbered = True
                elif col.default is not None:
                    source.constant = col.default
                elif col.required and not any(f in match.positions for f in col.fallback):
                    missing.append(col.name)
            plan.sources[col.name] = source
        if missing:
            raise FileRejected(
                "missing_required_columns",
                ", ".join(f"{m} ({contract.header_of(m)})" for m in missing),
                "、".join(f"“{contract.header_of(m)}”" for m in missing),
            )
        return plan

    # -- parsing -------------------------------------------------------------------------

    def parse_cell(self, col: ColumnSpec, text: str) -> Parsed:
        memo = self._memo.setdefault(col.name, {})
        if text not in memo:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()  # batch numbers and addresses never repeat: keep memory bounded
            memo[text] = _parse(col, text, self.load_date)
        return memo[text]

    def number_rows(
        self, col: ColumnSpec, groups: pa.Array, blank: pa.Array, row_numbers: pa.Array
    ) -> pa.Array:
        """1, 2, … within each group value in file order, carried across batches; 0 where
        `blank` (a group's row that holds nothing to number, e.g. an inspection that found
        nothing). A row without a group value is numbered in a group of its own kind: its
        missing group is the row's problem, not its number."""
        first = row_numbers[0].as_py() if len(row_numbers) else None
        if first is not None and first <= self._last_numbered_row:
            self._numbers.clear()  # the reader started the file again
        counters = self._numbers.setdefault(col.name, {})
        numbers = []
        for group, empty in zip(groups.to_pylist(), blank.to_pylist(), strict=True):
            if empty:
                numbers.append(0)
                continue
            counters[group] = counters.get(group, 0) + 1
            numbers.append(counters[group])
        if len(row_numbers):
            self._last_numbered_row = row_numbers[-1].as_py()
        return pa.array(numbers, pa.int32())

    def parse_column(self, col: ColumnSpec, raw: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
        """Typed values, encoded problems and below-detection flags for one raw column."""
        if col.type is ColumnType.STRING:
            return _clean_strings(raw)
        uniques = pc.unique(raw)
        indices = pc.index_in(raw, value_set=uniques)
        parsed = [self.parse_cell(col, u) for u in uniques.to_pylist()]
        values = pa.array([p[0] for p in parsed], ARROW_TYPES[col.type]).take(indices)
        problems = pa.array([p[1] for p in parsed], pa.string()).take(indices)
        below = pa.array([p[2] for p in parsed], pa.bool_()).take(indices)
        return values, problems, below


def _from_file_name(contract: Contract, column: str, file_name: str) -> FileNameRule:
    name = nfkc(file_name)
    for rule in contract.file_name_rules[column]:
        if rule.contains in name:
            return rule
    header = contract.header_of(column)
    raise FileRejected("undecidable_from_name", header)


def _clean_strings(raw: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Vectorised clean_text over the column's distinct values: NFKC, trim, placeholders and
    empties to null. Text cannot fail to parse; whether it is acceptable is the suite's call."""
    encoded = raw.dictionary_encode()
    text = pc.utf8_trim_whitespace(pc.utf8_normalize(encoded.dictionary, form="NFKC"))
    squeezed = pc.replace_substring_regex(text, pattern=r"\s+", replacement="")
    blank = pc.fill_null(pc.is_in(squeezed, value_set=_placeholder_array()), True)
    no_problems, no_flags = pa.nulls(len(raw)), pa.nulls(len(raw), pa.bool_())
    if text.equals(encoded.dictionary) and (kept := _raw_with_blanks_null(raw, encoded, blank)):
        return kept, no_problems, no_flags
    values = pc.if_else(blank, pa.scalar(None, pa.string()), text)
    return values.take(encoded.indices), no_problems, no_flags


def _raw_with_blanks_null(
    raw: pa.Array, encoded: pa.DictionaryArray, blank: pa.Array
) -> pa.Array | None:
    """The raw cells themselves, their blank ones marked null, when normalising changed no
    distinct value (the usual case): their text buffers are shared, not gathered again,
    which saves a copy of every text column of a batch in flight (about half of a wide
    file's resident batch memory) and the time to make it. None when that cannot be done
    without a copy (a sliced or already nullable array)."""
    if raw.offset or raw.null_count or not pa.types.is_string(raw.type):
        return None
    filled = pc.invert(blank.take(encoded.indices))
    if filled.offset or filled.null_count:
        return None
    validity = filled.buffers()[1] if not pc.all(filled).as_py() else None
    _, offsets, data = raw.buffers()
    return pa.Array.from_buffers(pa.string(), len(raw), [validity, offsets, data])


@cache
def _placeholder_array() -> pa.Array:
    return pa.array(sorted({squeeze(p) for p in common_rules().placeholders}))


def _parse(col: ColumnSpec, raw: str, load_date: date) -> Parsed:
    """One cell of a typed column: (value, parse problem, below-detection flag).

    A cell that cannot be read as its type (no date, no number) is a parse problem. A word
    that is read but not in a vocabulary (an unknown county, verdict or sampling type) is
    passed through as written, for the validation suite to judge.
    """
    text = clean_text(raw)
    if text is None:
        if col.type is ColumnType.COUNTY and col.blank_means_city:
            return common_rules().city_code, None, None
        return None, None, None
    match col.type:
        case ColumnType.DATE:
            parsed = parse_date(text)
            if parsed is None and col.relative_to and parse_relative_days(text):
                return None, None, None  # `7日`: a date once the row's other date is known
            return (parsed, None, None) if parsed else (None, encode("invalid_date"), None)
        case ColumnType.NUMBER:
            number = parse_number(text)
            if not number.ok and parse_verdict(text):
                return None, None, None  # a rapid test's 阴性/阳性: a result, but no number
            if not number.ok:
                return None, encode("invalid_number"), None
            return number.value, None, number.below_detection
        case ColumnType.INTEGER:
            integer = parse_integer(text)
            if integer is None:
                return None, encode("invalid_integer"), None
            return integer, None, None
        case ColumnType.PERIOD:
            period = parse_period(text)
            return (period, None, None) if period else (None, encode("invalid_period"), None)
        case ColumnType.VERDICT:
            return parse_verdict(text) or text, None, None
        case ColumnType.ENUM:
            return parse_enum(col, text) or text, None, None
        case ColumnType.COUNTY:
            return resolve_county(text, allow_city=col.allow_city) or text, None, None
        case ColumnType.INDICATOR_CODE:
            return parse_indicator_code(text) or squeeze(text), None, None
        case ColumnType.BOOLEAN:
            return squeeze(text).lower() in {"true", "1", "是", "y", "yes"}, None, None
    return text, None, None


# -- the batch pipeline ----------------------------------------------------------------------


def _raw_column(batch: RawBatch, position: int | None) -> pa.Array | None:
    if position is None or position >= batch.table.num_columns:
        return None
    return batch.table.column(position).combine_chunks()


def _skipped_rows(plan: FilePlan, batch: RawBatch) -> dict[str, np.ndarray]:
    """Rows that are not data, by reason (a row has one): blank rows, repeats of the header
    row, and totals, notes and sign-off lines (ingestion.trailers)."""
    table = batch.table
    positions = list(plan.match.positions.values())[:4]
    reasons: dict[str, np.ndarray] = {}
    taken = np.zeros(table.num_rows, dtype=bool)
    found = {
        "blank_row": _rows_where([(column, _is_blank) for column in table.columns]),
        "repeated_header": _rows_where(
            [(table.column(p), _is_header(plan.match.header_cells[p])) for p in positions]
        ),
    }
    for reason, rows in found.items():
        mask = np.zeros(table.num_rows, dtype=bool)
        if rows is not None:
            mask[rows.to_numpy()] = True
        reasons[reason] = mask & ~taken
        taken |= mask
    reasons["trailer_row"] = trailer_rows(table) & ~taken
    return reasons


_CellTest = Callable[[pa.Array], pa.Array]


def _is_blank(cells: pa.Array) -> pa.Array:
    return pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(cells)), 0)


def _is_header(header_cell: str) -> _CellTest:
    header = normalize_header(header_cell)

    def test(cells: pa.Array) -> pa.Array:
        return pa.array(folded_mask(cells, lambda f: pc.equal(f, header), header.isascii()))

    return test


def _rows_where(tests: list[tuple[pa.ChunkedArray, _CellTest]]) -> pa.Array | None:
    """Indices of the rows whose every column passes its test (None: no tests).

    The rows still in question narrow column by column, so the costly text functions run
    on the whole batch for the first column only: nearly every row is out after it.
    """
    rows: pa.Array | None = None
    for column, test in tests:
        cells = column.combine_chunks() if rows is None else column.take(rows)
        passed = pc.fill_null(test(cells), False)
        if isinstance(passed, pa.ChunkedArray):
            passed = passed.combine_chunks()
        rows = pc.indices_nonzero(passed) if rows is None else rows.filter(passed)
        if len(rows) == 0:
            break
    return rows


@dataclass
class ParsedBatch:
    """A batch read as the contract's types, not yet judged by the suite."""

    raw: RawBatch  # the data rows of the batch (blank and repeated header rows left out)
    typed: pa.Table  # contract columns and _row_number
    checked: pa.Table  # typed plus the suite's helper columns
    problems: list[tuple[str, pa.Array, pa.Array | None]]  # (column, problems, raw text)
    raw_text: dict[str, pa.Array]
    malformed: list[tuple[int, str, str, list[str]]]
    rows_skipped: int
    control_chars_removed: int = 0
    #: reason (messages.yaml `skipped:`) -> row numbers of the rows skipped for it
    skipped: dict[str, list[int]] = field(default_factory=dict)


#: Bytes below 0x20 that are text, not control characters: tab, LF, CR.
_TEXT_C0 = np.array([0x09, 0x0A, 0x0D], dtype=np.uint8)


def _may_hold_control_chars(column: pa.ChunkedArray | pa.Array) -> bool:
    """A byte scan of the column's text, several times faster than a regex over its cells:
    the regex runs only where a C0 byte, DEL or a C1 lead byte (0xC2 0x80–0x9F) appears."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        _, offsets, data = chunk.buffers()
        if data is None:
            continue
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        bounds = np.frombuffer(offsets, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        text = np.frombuffer(data, dtype=np.uint8)[bounds[0] : bounds[-1]]
        low = text[text < 0x20]  # nearly always empty: the comparisons are the cost
        if (low.size and not np.isin(low, _TEXT_C0).all()) or (text == 0x7F).any():
            return True
        lead = np.flatnonzero(text[:-1] == 0xC2)
        if lead.size and ((text[lead + 1] >= 0x80) & (text[lead + 1] <= 0x9F)).any():
            return True
    return False


def _strip_control_chars(table: pa.Table) -> tuple[pa.Table, int]:
    """Every text cell without control characters, and how many there were.

    Done once on the raw cells, before parsing, so the typed value, the quarantined value and
    the original row all lose them alike: a value that validated can always be published
    (PostgreSQL refuses NUL in text), and the count says what was dropped.
    """
    removed = 0
    columns = []
    for column in table.columns:
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            columns.append(column)
            continue
        found = (
            pc.sum(pc.count_substring_regex(column, pattern=CONTROL_CHARS)).as_py() or 0
            if _may_hold_control_chars(column)
            else 0
        )
        if found:
            removed += found
            column = pc.replace_substring_regex(column, pattern=CONTROL_CHARS, replacement="")
        columns.append(column)
    if not removed:
        return table, 0
    return pa.table(columns, names=table.column_names), removed


def parse_batch(plan: FilePlan, batch: RawBatch) -> ParsedBatch:
    """Read every cell as its type. Touches no validator state, so the loader runs it for
    the next batch on another thread while the suite judges this one."""
    contract = plan.contract
    reasons = _skipped_rows(plan, batch)
    skip_mask = np.logical_or.reduce(list(reasons.values()))
    skip = pa.array(skip_mask)
    rows_skipped = int(skip_mask.sum())
    numbers = batch.row_numbers.to_numpy(zero_copy_only=False)
    skipped = {r: numbers[m].tolist() for r, m in reasons.items() if m.any()}
    raw = batch.table.filter(pc.invert(skip)) if rows_skipped else batch.table
    raw, control_chars = _strip_control_chars(raw)
    malformed = [
        (number, strip_control(text), detail, [strip_control(c) for c in cells])
        for number, text, detail, cells in batch.malformed
    ]
    control_chars += sum(len(m[1]) for m in batch.malformed) - sum(len(m[1]) for m in malformed)
    raw_batch = RawBatch(
        raw,
        batch.row_numbers.filter(pc.invert(skip)) if rows_skipped else batch.row_numbers,
        malformed,
    )
    n = raw.num_rows

    values: dict[str, pa.Array] = {}
    problems: list[tuple[str, pa.Array, pa.Array | None]] = []  # (column, problems, raw text)
    raw_text: dict[str, pa.Array] = {}

    for col in contract.columns:
        source = plan.sources[col.name]
        if col.derived or source.hook or source.numbered:
            continue
        if col.derive_from:
            base = _raw_column(raw_batch, plan.sources[col.derive_from].position)
            if base is None:
                values[col.name] = pa.nulls(n, ARROW_TYPES[col.type])
            else:
                parsed, _, _ = plan.parse_column(col, base)
                values[col.name] = parsed  # a batch cell that is no date is simply not a date
            continue
        cells = _raw_column(raw_batch, source.position)
        if cells is None:
            values[col.name] = pa.array([source.constant] * n, ARROW_TYPES[col.type])
            cell_problems = pa.nulls(n, pa.string())
        else:
            raw_text[col.name] = cells
            values[col.name], cell_problems, below = plan.parse_column(col, cells)
            if col.below_detection_column:
                values[col.below_detection_column] = below
        for fallback in col.fallback:
            fb_cells = _raw_column(raw_batch, plan.sources[fallback].position)
            if fb_cells is None:
                continue
            use = pc.and_(pc.is_null(values[col.name]), pc.is_null(cell_problems))
            if not pc.any(use).as_py():
                continue
            # Parse only the rows that need the fallback: addresses are nearly all distinct.
            needed = fb_cells.filter(use)
            fb_values, fb_problems, _ = plan.parse_column(col, needed)
            values[col.name] = pc.replace_with_mask(values[col.name], use, fb_values)
            cell_problems = pc.replace_with_mask(cell_problems, use, fb_problems)
            base_text = raw_text.get(col.name, pa.nulls(n, pa.string()))
            raw_text[col.name] = pc.replace_with_mask(base_text, use, needed)
        problems.append((col.name, cell_problems, raw_text.get(col.name)))
    problems += _duplicate_column_problems(plan, raw_batch)

    for col in contract.columns:
        hook = plan.sources[col.name].hook
        if hook:
            table_so_far = pa.table({k: v for k, v in values.items()})
            values.update(run_hook(hook, contract, table_so_far))

    _fill_from_fail_verdict(contract, values, raw_text)
    _resolve_relative_dates(contract, values, raw_text)
    for col in contract.columns:
        if plan.sources[col.name].numbered and col.number_within:
            blank = (
                pc.is_null(values[col.zero_when_blank])
                if col.zero_when_blank
                else pa.array([False] * n)
            )
            groups = values.get(col.number_within, pa.nulls(n))
            values[col.name] = plan.number_rows(col, groups, blank, raw_batch.row_numbers)

    for col in contract.columns:
        if col.name not in values:
            values[col.name] = pa.nulls(n, ARROW_TYPES[col.type])
        values[col.name] = values[col.name].cast(ARROW_TYPES[col.type])

    typed = pa.table({c.name: values[c.name] for c in contract.columns})
    typed = typed.append_column("_row_number", raw_batch.row_numbers)
    checked = checked_table(contract, typed, raw_text)
    return ParsedBatch(
        raw_batch,
        typed,
        checked,
        problems,
        raw_text,
        malformed,
        rows_skipped,
        control_chars,
        skipped,
    )


def _duplicate_column_problems(
    plan: FilePlan, raw_batch: RawBatch
) -> list[tuple[str, pa.Array, pa.Array | None]]:
    """Two headers naming one column (two 抽样日期): the first is read, and a row whose later
    cell is filled and says something else is quarantined, as nobody can tell which holds."""
    found: list[tuple[str, pa.Array, pa.Array | None]] = []
    for name, extra in plan.match.duplicates.items():
        first = _raw_column(raw_batch, plan.match.positions[name])
        if first is None:
            continue
        first_folded = _folded(first)
        for position in extra:
            other = _raw_column(raw_batch, position)
            if other is None:
                continue
            other_folded = _folded(other)
            filled = pc.invert(pc.is_in(other_folded, value_set=_placeholder_array()))
            same = _same_values(plan, name, (first, first_folded), (other, other_folded))
            differ = pc.fill_null(pc.and_(filled, pc.invert(same)), False)
            if not pc.any(differ).as_py():
                continue
            text = pc.binary_join_element_wise(
                pa.scalar(encode("duplicate_column", "")), first, " ≠ ", other, ""
            )
            found.append((name, pc.if_else(differ, text, pa.scalar(None, pa.string())), other))
    return found


def _same_values(
    plan: FilePlan, name: str, first: tuple[pa.Array, pa.Array], other: tuple[pa.Array, pa.Array]
) -> pa.Array:
    """Cells that say the same thing: equal once read as the column's type (2025/3/5 and
    2025-03-05 are one date), text equal after NFKC and whitespace removal."""
    col = plan.contract.column(name)
    if col.type is ColumnType.STRING:
        return pc.fill_null(pc.equal(first[1], other[1]), False)
    first_values, _, _ = plan.parse_column(col, first[0])
    other_values, _, _ = plan.parse_column(col, other[0])
    return pc.fill_null(pc.equal(first_values, other_values), False)


def _folded(cells: pa.Array) -> pa.Array:
    folded = pc.utf8_normalize(cells, form="NFKC")
    return pc.replace_substring_regex(folded, pattern=r"\s+", replacement="")


def judge_batch(plan: FilePlan, parsed: ParsedBatch, validator: FileValidator) -> NormalizedBatch:
    """The suite's verdicts, then the split into good rows, quarantined rows and children."""
    contract, typed, raw_batch, n = plan.contract, parsed.typed, parsed.raw, parsed.typed.num_rows
    problems = parsed.problems + [
        (name, found, parsed.raw_text.get(name))
        for name, found in validator.check_batch(parsed.checked)
    ]
    order = {c.name: i for i, c in enumerate(contract.columns)}
    problems.sort(key=lambda p: order.get(p[0], len(order)))

    bad = pa.array([False] * n, pa.bool_())
    for _, col_problems, _ in problems:
        bad = pc.or_(bad, pc.is_valid(col_problems))
    any_bad = pc.any(bad).as_py()
    good = typed.filter(pc.invert(bad)) if any_bad else typed  # a clean batch: no copy

    quarantined = _quarantine_records(plan, raw_batch, bad, problems)
    quarantined += [
        QuarantinedRow(number, [Problem(None, "malformed_row", text[:200], detail)], cells)
        for number, text, detail, cells in parsed.malformed
    ]
    children = {child.name: child_rows(child, good) for child in contract.child_tables}
    return NormalizedBatch(
        good=good,
        quarantined=quarantined,
        children=children,
        rows_read=n + len(parsed.malformed),
        rows_skipped=parsed.rows_skipped,
        control_chars_removed=parsed.control_chars_removed,
        skipped=parsed.skipped,
    )


def checked_table(
    contract: Contract, typed: pa.Table, raw_text: dict[str, pa.Array] | None = None
) -> pa.Table:
    """The typed rows plus the helper columns the suite's checks compare.

    Helpers state facts about a row and never decide. The contract's declared rules bring
    their own (`_has_<column>`, a condition's `_when_…`/`_has_…`, a comparison's copies);
    hooks add the rest, some from the cell as typed (a unit in a number: `_raw_<column>`).
    """
    checked = typed
    for name in contract.presence_helpers():
        checked = checked.append_column(f"_has_{name}", pc.is_valid(typed[name]))
    for presence in contract.conditional_presence:
        condition = presence.condition
        holds = pc.is_in(typed[condition.column], value_set=_value_set(typed, condition))
        if condition.negated:
            holds = pc.invert(holds)
        holds = pc.if_else(pc.is_valid(typed[condition.column]), holds, pa.scalar(None, pa.bool_()))
        checked = checked.append_column(presence.when_column, holds)
        checked = checked.append_column(presence.has_column, pc.is_valid(typed[presence.column]))
    for comparison in contract.compare:
        checked = checked.append_column(comparison.left_copy, typed[comparison.left])
        checked = checked.append_column(comparison.right_copy, typed[comparison.right])
    if contract.helper_columns:
        seen = typed
        for name, text in (raw_text or {}).items():
            seen = seen.append_column(f"{RAW_PREFIX}{name}", text)
        for hook in contract.helper_columns:
            for name, column in run_hook(hook, contract, seen).items():
                checked = checked.append_column(name, column)
    return checked


def _value_set(typed: pa.Table, condition: Condition) -> pa.Array:
    column_type = typed.schema.field(condition.column).type
    return pa.array(list(condition.values), column_type)


def _fill_from_fail_verdict(
    contract: Contract, values: dict[str, pa.Array], raw_text: dict[str, pa.Array]
) -> None:
    """A blank column that opts in (`from_fail_verdict`) takes the text after the fail
    prefix of its verdict cell: `不合格：吡虫啉‖7.47mg/kg‖≤0.2mg/kg` carries its items."""
    for col in contract.columns:
        verdict = col.from_fail_verdict
        if not verdict or col.name not in values or verdict not in raw_text:
            continue
        target = values[col.name]
        needs = pc.fill_null(pc.and_(pc.is_null(target), pc.equal(values[verdict], "fail")), False)
        if not pc.any(needs).as_py():
            continue
        carried = pa.array(
            [failed_items_in_verdict(v) if v else None for v in raw_text[verdict].to_pylist()],
            pa.string(),
        )
        values[col.name] = pc.if_else(needs, carried, target)


def _resolve_relative_dates(
    contract: Contract, values: dict[str, pa.Array], raw_text: dict[str, pa.Array]
) -> None:
    """`7日`, `3个工作日` in a date column that declares `relative_to`: the date that many
    (working) days after the row's other date. Without that date the cell stays empty (the
    other date's own rules report the row)."""
    for col in contract.columns:
        base_name = col.relative_to
        if not base_name or col.name not in raw_text or base_name not in values:
            continue
        spans = [
            parse_relative_days(t) if t is not None and v is None else None
            for t, v in zip(
                raw_text[col.name].to_pylist(), values[col.name].to_pylist(), strict=True
            )
        ]
        if not any(spans):
            continue
        bases = values[base_name].to_pylist()
        current = values[col.name].to_pylist()
        values[col.name] = pa.array(
            [
                add_days(base, *span) if span and base is not None else value
                for value, span, base in zip(current, spans, bases, strict=True)
            ],
            pa.date32(),
        )


def _quarantine_records(
    plan: FilePlan,
    raw_batch: RawBatch,
    bad: pa.Array,
    problems: list[tuple[str, pa.Array, pa.Array | None]],
) -> list[QuarantinedRow]:
    indices = pc.indices_nonzero(bad).to_pylist()
    if not indices:
        return []
    take = pa.array(indices, pa.int64())
    originals = raw_batch.table.take(take).to_pylist()
    numbers = raw_batch.row_numbers.take(take).to_pylist()
    per_column = [
        (
            name,
            col_problems.take(take).to_pylist(),
            texts.take(take).to_pylist() if texts is not None else [None] * len(indices),
        )
        for name, col_problems, texts in problems
    ]
    records = []
    for k, (number, original) in enumerate(zip(numbers, originals, strict=True)):
        row_problems = [
            Problem.decode(name, encoded[k], texts[k])
            for name, encoded, texts in per_column
            if encoded[k] is not None
        ]
        # One cause, one sentence: a cell that could not be read is also empty, and a verdict
        # word that is no verdict also fits no verdict/items pair; the consequences go.
        primary = {p.column for p in row_problems if p.rule not in _CONSEQUENTIAL}
        row_problems = [
            p for p in row_problems if p.rule not in _CONSEQUENTIAL or p.column not in primary
        ]
        records.append(
            QuarantinedRow(
                row_number=number,
                problems=row_problems,
                original=["" if v is None else v for v in original.values()],
            )
        )
    return records


def original_row_json(row: QuarantinedRow) -> str:
    return json.dumps(row.original, ensure_ascii=False)
