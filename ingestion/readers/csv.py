"""CSV exports: located header, then streamed in bounded batches.

The rows above the header (titles, notices, blank rows) are read with Python's csv module,
which also gives the byte where the data start. The data are then streamed by DuckDB's CSV
reader, several times faster than any Python parser. DuckDB passes over blank lines and
stops at a row whose cell count misfits the header, and neither may cost a row its number,
so such files are read by the exact path instead: Python's csv module, slower, but every
row keeps its number and a misfit row is quarantined rather than lost. Whatever the fast
reader raises, of whatever type and from whichever thread, means "read it exactly" unless
it is plainly the machine's fault; only the exact reader may call the file unreadable.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.errors import FileRejected, as_fault, machine_fault
from ingestion.readers.base import (
    BATCH_ROWS,
    RawBatch,
    RawTable,
    RestartExact,
    column_names,
    rows_to_batch,
)
from ingestion.trailers import is_trailer

_DELIMITERS = (",", "\t", ";")
#: What a clerk reads when the CSV module cannot split the text into cells.
_CSV_BROKEN_ZH = "CSV格式有误（如引号不成对），无法拆分成单元格"
#: Longest line read while looking for the header; a longer one is not a header.
_MAX_PREVIEW_LINE = 1 << 20
_SCAN_CHUNK = 1 << 22


class _Lines:
    """Feeds csv.reader one line at a time and knows the byte offset it has reached."""

    def __init__(self, fh: io.BufferedReader) -> None:
        self.fh = fh
        self.offset = fh.tell()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.fh.readline(_MAX_PREVIEW_LINE)
        if not line:
            raise StopIteration
        if len(line) >= _MAX_PREVIEW_LINE and not line.endswith(b"\n"):
            raise FileRejected(
                "too_large", "a line above the header exceeds 1 MiB", "表头以上有一行超过1 MB"
            )
        self.offset += len(line)
        return line.decode("utf-8", "replace")


def _preview(
    path: Path, start: int, limit: int, delimiter: str
) -> tuple[list[list[str]], list[int]]:
    """The first `limit` records and the byte offset after each."""
    rows: list[list[str]] = []
    ends: list[int] = []
    with path.open("rb") as fh:
        fh.seek(start)
        lines = _Lines(fh)
        try:
            for row in csv.reader(lines, delimiter=delimiter):
                rows.append(row)
                ends.append(lines.offset)
                if len(rows) >= limit:
                    break
        except csv.Error as exc:
            raise FileRejected("unreadable", str(exc), _CSV_BROKEN_ZH) from None
    return rows, ends


def _choose_delimiter(path: Path, start: int, limit: int) -> str:
    """The delimiter that gives the widest rows in the preview (upper quartile)."""

    def width(delimiter: str) -> int:
        rows, _ = _preview(path, start, limit, delimiter)
        widths = sorted((len(r) for r in rows if any(c.strip() for c in r)), reverse=True)
        return widths[len(widths) // 4] if widths else 0

    return max(_DELIMITERS, key=width)


def read_csv(path: Path, encoding: str, preview_rows: int) -> list[RawTable]:
    start = 3 if encoding == "utf-8-sig" else 0
    delimiter = _choose_delimiter(path, start, preview_rows)
    preview, ends = _preview(path, start, preview_rows, delimiter)
    if not preview:
        raise FileRejected("empty")

    def batches(header_index: int, width: int, exact: bool = False) -> Iterator[RawBatch]:
        data_start = ends[header_index]
        first_number = header_index + 2
        if exact or _has_blank_lines(path, data_start):
            yield from _python_batches(path, data_start, width, delimiter, first_number)
            return
        records_above = sum(1 for row in preview[: header_index + 1] if row)
        expected_first = preview[header_index + 1] if header_index + 1 < len(preview) else None
        yield from _duckdb_batches(
            path, records_above, width, delimiter, first_number, expected_first
        )

    return [RawTable(name=None, preview=preview, batches=batches)]


def _has_blank_lines(path: Path, start: int) -> bool:
    """Whether an empty line follows the header. Read in chunks, not mapped: a mapped
    4 GB file is 4 GB of resident memory while it is scanned."""
    with path.open("rb") as fh:
        fh.seek(max(0, start - 2))
        around_start = fh.read(3)
        blank = b"\r\n\r\n" if b"\r\n" in around_start else b"\n\n"
        fh.seek(start)
        tail = b""
        while chunk := fh.read(_SCAN_CHUNK):
            if blank in tail + chunk[: len(blank) - 1] or blank in chunk:
                return True
            tail = chunk[-(len(blank) - 1) :]
    return False


def _duckdb_batches(
    path: Path,
    skip: int,
    width: int,
    delimiter: str,
    first_number: int,
    expected_first: list[str] | None,
) -> Iterator[RawBatch]:
    names = column_names(width)
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    con = duckdb.connect()
    try:
        relation = con.sql(
            "select * from read_csv($path, skip = $skip, header = false, columns = "
            + columns
            + ", delim = $delim, quote = '\"', escape = '\"', strict_mode = true, "
            "null_padding = false, auto_detect = false, all_varchar = true)",
            params={"path": str(path), "skip": skip, "delim": delimiter},
        )
        reader = relation.to_arrow_reader(BATCH_ROWS)
        number = first_number
        while True:
            table = _next_rows(reader, BATCH_ROWS)
            if table is None:
                if number == first_number and expected_first is not None:
                    raise RestartExact  # rows exist, yet DuckDB found none
                return
            table = pa.table([pc.fill_null(c, "") for c in table.columns], names=names)
            misaligned = (
                number == first_number
                and expected_first is not None
                and [c[0].as_py() for c in table.columns] != _pad(expected_first, width)
            )
            if misaligned:
                raise RestartExact  # DuckDB counted the rows above differently
            yield RawBatch(
                table=table,
                row_numbers=pa.array(range(number, number + table.num_rows), pa.int32()),
                malformed=[],
            )
            number += table.num_rows
    except (RestartExact, FileRejected):
        raise
    except Exception as exc:
        # A misfit row or bad bytes surface as whatever DuckDB's reader threads and Arrow
        # make of them (duckdb.Error, ArrowInvalid, a bare OSError mid-stream): the exact
        # path reads the file again and says which row. A full disk or exhausted memory is
        # no reason to re-read; it is the machine's fault, not the file's.
        if machine_fault(exc):
            raise as_fault(exc) from exc
        raise RestartExact from None
    finally:
        con.close()


def _next_rows(reader: pa.RecordBatchReader, rows: int) -> pa.Table | None:
    """About `rows` rows from the reader (it hands out small batches), None at the end."""
    batches: list[pa.RecordBatch] = []
    count = 0
    while count < rows:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        batches.append(batch)
        count += batch.num_rows
    return pa.Table.from_batches(batches).combine_chunks() if batches else None


def _pad(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width]


def _python_batches(
    path: Path, start: int, width: int, delimiter: str, first_number: int
) -> Iterator[RawBatch]:
    """Exact but slower: every row keeps its number, misfit rows become malformed rows."""
    with path.open("rb") as raw:
        raw.seek(start)
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
        rows: list[list[str]] = []
        numbers: list[int] = []
        malformed: list[tuple[int, str, str, list[str]]] = []
        try:
            for offset, row in enumerate(csv.reader(text, delimiter=delimiter)):
                number = first_number + offset
                # A note or sign-off line has its own cell count; it is no data row to fault.
                if len(row) == width or not any(c.strip() for c in row) or is_trailer(row):
                    rows.append(row)
                    numbers.append(number)
                else:
                    detail = f"{len(row)}/{width}"
                    malformed.append((number, delimiter.join(row), detail, row))
                if len(rows) + len(malformed) >= BATCH_ROWS:
                    yield rows_to_batch(rows, numbers, width, malformed)
                    rows, numbers, malformed = [], [], []
        except UnicodeDecodeError:
            raise FileRejected(
                "encoding",
                "invalid UTF-8 bytes after the header",
                "表头之后有不符合UTF-8编码的字节",
            ) from None
        except csv.Error as exc:
            raise FileRejected("unreadable", str(exc), _CSV_BROKEN_ZH) from None
        if rows or malformed:
            yield rows_to_batch(rows, numbers, width, malformed)
