"""CSV exports: located header, then streamed by Arrow's parser in bounded batches.

The rows above the header (titles, notices, blank rows) are found by scanning whole
records, so the data stream starts at the exact byte after the header. Arrow parses the
rest in blocks; if a row's cell count does not fit the header, Arrow cannot say where that
row was, so the file is re-read with Python's csv module, which can.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ingestion.errors import FileRejected
from ingestion.readers.base import (
    BATCH_ROWS,
    RawBatch,
    RawTable,
    RestartExact,
    column_names,
    rows_to_batch,
)

_DELIMITERS = (",", "\t", ";")
#: Longest record read while looking for the header; a longer one is not a header.
_MAX_PREVIEW_RECORD = 1 << 20
_BLOCK_BYTES = 1 << 24


@dataclass(frozen=True)
class _Record:
    end_offset: int
    text: str


class _MalformedRows(Exception):
    """Arrow met a row whose cell count differs from the header's."""


def _scan_records(fh: io.BufferedReader, start: int, limit: int) -> list[_Record]:
    """The first `limit` records from `start`, each ending at a newline outside quotes."""
    fh.seek(start)
    records: list[_Record] = []
    pending = b""
    while len(records) < limit:
        line = fh.readline(_MAX_PREVIEW_RECORD)
        if not line:
            if pending:
                records.append(_Record(fh.tell(), pending.decode("utf-8", "replace")))
            break
        pending += line
        if len(pending) >= _MAX_PREVIEW_RECORD and not line.endswith(b"\n"):
            raise FileRejected("too_large", "a line above the header exceeds 1 MiB")
        if pending.count(b'"') % 2 == 0:
            records.append(_Record(fh.tell(), pending.decode("utf-8", "replace")))
            pending = b""
    return records


def _cells(text: str, delimiter: str) -> list[str]:
    return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])


def _choose_delimiter(records: list[_Record]) -> str:
    """The delimiter that gives the widest consistent rows in the preview."""

    def width(d: str) -> int:
        widths = sorted((len(_cells(r.text, d)) for r in records if r.text.strip()), reverse=True)
        return widths[len(widths) // 4] if widths else 0

    return max(_DELIMITERS, key=width)


def read_csv(path: Path, encoding: str, preview_rows: int) -> list[RawTable]:
    start = 3 if encoding == "utf-8-sig" else 0
    with path.open("rb") as fh:
        records = _scan_records(fh, start, preview_rows)
    if not records:
        raise FileRejected("empty")
    delimiter = _choose_delimiter(records)
    preview = [_cells(r.text, delimiter) for r in records]

    def batches(header_index: int, width: int, exact: bool = False) -> Iterator[RawBatch]:
        data_start = records[header_index].end_offset
        first_number = header_index + 2
        if exact:
            yield from _python_batches(path, data_start, width, delimiter, first_number)
            return
        try:
            yield from _arrow_batches(path, data_start, width, delimiter, first_number)
        except _MalformedRows:
            raise RestartExact from None

    return [RawTable(name=None, preview=preview, batches=batches)]


def _arrow_batches(
    path: Path, start: int, width: int, delimiter: str, first_number: int
) -> Iterator[RawBatch]:
    misfits: list[object] = []

    def on_invalid(row: object) -> str:
        # Exceptions raised here are swallowed by Arrow, so note the row and stop below.
        misfits.append(row)
        return "skip"

    names = column_names(width)
    with path.open("rb") as fh:
        fh.seek(start)
        try:
            reader = pacsv.open_csv(
                fh,
                read_options=pacsv.ReadOptions(column_names=names, block_size=_BLOCK_BYTES),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            if "Empty CSV file" in str(exc):
                return
            raise _arrow_failure(exc) from None
        number = first_number
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except pa.ArrowInvalid as exc:
                if "invalid UTF8" in str(exc) or "UTF8" in str(exc):
                    raise FileRejected("encoding", "invalid UTF-8 bytes after the header") from None
                raise _arrow_failure(exc) from None
            if misfits:
                raise _MalformedRows
            table = pa.Table.from_batches([batch])
            numbers = pa.array(range(number, number + table.num_rows), pa.int32())
            number += table.num_rows
            yield RawBatch(table=table, row_numbers=numbers, malformed=[])


def _arrow_failure(exc: Exception) -> Exception:
    if isinstance(exc, _MalformedRows):
        return exc
    if "straddling" in str(exc) or "exceeds" in str(exc):
        return FileRejected("too_large", "a single row is larger than 16 MiB")
    return FileRejected("unreadable", str(exc).splitlines()[0][:200])


def _python_batches(
    path: Path, start: int, width: int, delimiter: str, first_number: int
) -> Iterator[RawBatch]:
    """Exact but slower: every row keeps its number, misfit rows become malformed rows."""
    with path.open("rb") as raw:
        raw.seek(start)
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
        rows: list[list[str]] = []
        numbers: list[int] = []
        malformed: list[tuple[int, str, str]] = []
        try:
            for offset, row in enumerate(csv.reader(text, delimiter=delimiter)):
                number = first_number + offset
                if len(row) == width or not any(c.strip() for c in row):
                    rows.append(row)
                    numbers.append(number)
                else:
                    detail = f"{len(row)} cells, header has {width}"
                    malformed.append((number, delimiter.join(row), detail))
                if len(rows) + len(malformed) >= BATCH_ROWS:
                    yield rows_to_batch(rows, numbers, width, malformed)
                    rows, numbers, malformed = [], [], []
        except UnicodeDecodeError:
            raise FileRejected("encoding", "invalid UTF-8 bytes after the header") from None
        except csv.Error as exc:
            raise FileRejected("unreadable", str(exc)) from None
        if rows or malformed:
            yield rows_to_batch(rows, numbers, width, malformed)
