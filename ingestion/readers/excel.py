"""`.xlsx` and `.xls` through python-calamine (Rust), an order of magnitude faster than openpyxl."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

from python_calamine import CalamineWorkbook

from ingestion.readers.base import BATCH_ROWS, RawBatch, RawTable, rows_to_batch
from ingestion.trailers import is_trailer


def cell_text(value: object) -> str:
    """A cell as the text a CSV export of it would hold; integral floats lose their `.0`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def read_workbook(path: Path, preview_rows: int) -> list[RawTable]:
    workbook = CalamineWorkbook.from_path(str(path))
    return [_sheet_table(workbook, name, preview_rows) for name in workbook.sheet_names]


def _sheet_rows(workbook: CalamineWorkbook, name: str) -> Iterator[list[str]]:
    """The sheet's rows as text, merged cells filled (see `_Merges`).

    calamine (0.9) yields rows from the sheet's first row, blank ones included, so the
    i-th row is Excel's row i + 1; columns start at the used area's first column.
    """
    sheet = workbook.get_sheet_by_name(name)
    first_column = sheet.start[1] if sheet.start else 0
    merges = _Merges(sheet.merged_cell_ranges or [], first_column)
    for index, row in enumerate(sheet.iter_rows()):
        yield merges.fill(index, [cell_text(v) for v in row])


class _Merges:
    """Hand-made sheets merge a county, a date or a project over the rows it applies to;
    only the top-left cell holds the value. Every cell of a merge gets it, before anything
    else reads the row (a merged group title above the header stays a title row)."""

    def __init__(self, ranges: list, first_column: int) -> None:
        self._starting: dict[int, list[tuple[int, int, int]]] = {}
        for (r0, c0), (r1, c1) in ranges:
            if (r1, c1) != (r0, c0):
                span = (c0 - first_column, c1 - first_column, r1)
                self._starting.setdefault(r0, []).append(span)
        #: merges under way: (first column, last column, last row, value)
        self._open: list[tuple[int, int, int, str]] = []

    def fill(self, index: int, row: list[str]) -> list[str]:
        if not self._starting and not self._open:
            return row
        self._open = [m for m in self._open if m[2] >= index]
        for c0, c1, r1 in self._starting.pop(index, []):
            if c0 >= 0:
                self._open.append((c0, c1, r1, row[c0] if c0 < len(row) else ""))
        for c0, c1, _, value in self._open:
            if len(row) <= c1:
                row = row + [""] * (c1 + 1 - len(row))
            for c in range(c0, c1 + 1):
                row[c] = value
        return row


def _sheet_table(workbook: CalamineWorkbook, name: str, preview_rows: int) -> RawTable:
    preview: list[list[str]] = []
    for i, row in enumerate(_sheet_rows(workbook, name)):
        if i >= preview_rows:
            break
        preview.append(row)

    def batches(header_index: int, width: int, exact: bool = False) -> Iterator[RawBatch]:
        rows: list[list[str]] = []
        numbers: list[int] = []
        for i, row in enumerate(_sheet_rows(workbook, name)):
            if i <= header_index:
                continue
            rows.append(row)
            numbers.append(i + 1)
            if len(rows) >= BATCH_ROWS:
                yield _batch(rows, numbers, width)
                rows, numbers = [], []
        if rows:
            yield _batch(rows, numbers, width)

    return RawTable(name=name, preview=preview, batches=batches)


def _batch(rows: list[list[str]], numbers: list[int], width: int) -> RawBatch:
    # A sheet's used range can be wider than its header (stray cells far right); those
    # cells are kept in the original row only if non-empty, as a malformed row. A note or
    # sign-off line merged across the sheet is no data row: it is left for the engine to skip.
    malformed = [
        (n, ",".join(r), f"{len(r)}/{width}", r)
        for r, n in zip(rows, numbers, strict=True)
        if any(c.strip() for c in r[width:]) and not is_trailer(r)
    ]
    bad = {m[0] for m in malformed}
    keep = [(r, n) for r, n in zip(rows, numbers, strict=True) if n not in bad]
    return rows_to_batch([r for r, _ in keep], [n for _, n in keep], width, malformed)
