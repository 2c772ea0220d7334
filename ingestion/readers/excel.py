"""`.xlsx` and `.xls` through python-calamine (Rust), an order of magnitude faster than openpyxl."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

from python_calamine import CalamineWorkbook

from ingestion.readers.base import BATCH_ROWS, RawBatch, RawTable, rows_to_batch


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
    sheet = workbook.get_sheet_by_name(name)
    # Rows above the used area are not returned by calamine; pad so numbers match Excel's.
    start_row = sheet.start[0] if sheet.start else 0
    for _ in range(start_row):
        yield []
    for row in sheet.iter_rows():
        yield [cell_text(v) for v in row]


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
    # cells are kept in the original row only if non-empty, as a malformed row.
    malformed = [
        (n, ",".join(r), f"{len(r)} cells, header has {width}")
        for r, n in zip(rows, numbers, strict=True)
        if any(c.strip() for c in r[width:])
    ]
    bad = {m[0] for m in malformed}
    keep = [(r, n) for r, n in zip(rows, numbers, strict=True) if n not in bad]
    return rows_to_batch([r for r, _ in keep], [n for _, n in keep], width, malformed)
