"""Row sinks that write one export file row by row, whatever its format.

Every sink streams: a CSV goes straight to disk through the ``csv`` module, an ``.xlsx`` uses
XlsxWriter's ``constant_memory`` mode (rows are flushed as soon as the next one starts) and an
``.xls`` is written by xlwt. So a million-row export never exists as a list in memory.

Workbooks get fixed document properties so the same seed gives the same bytes.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

import xlsxwriter
import xlwt

from sample_data.cells import Cell, DateCell

#: Fixed workbook timestamps: a generated file must not depend on the clock.
_CREATED = datetime(2025, 10, 31, 9, 0, 0)


class RowSink(Protocol):
    """What a file builder writes to."""

    def write_title(self, text: str, width: int) -> None: ...
    def write_row(self, cells: Sequence[Cell]) -> None: ...
    def write_blank(self, width: int) -> None: ...
    def close(self) -> None: ...


class CsvSink:
    """A CSV as Excel's "Save as" or a back-office system writes it."""

    def __init__(self, path: Path, encoding: str, crlf: bool = True) -> None:
        self._fh: IO[str] = path.open("w", encoding=encoding, newline="")
        self._writer = csv.writer(self._fh, lineterminator="\r\n" if crlf else "\n")

    def write_title(self, text: str, width: int) -> None:
        # A merged title cell saved as CSV: the text, then empty cells to the table's width.
        self._writer.writerow([text, *([""] * (width - 1))])

    def write_row(self, cells: Sequence[Cell]) -> None:
        self._writer.writerow(["" if c is None else c for c in cells])

    def write_blank(self, width: int) -> None:
        self._writer.writerow([""] * width)

    def close(self) -> None:
        self._fh.close()


class XlsxSink:
    """An ``.xlsx`` written in constant-memory mode (one row in memory at a time)."""

    def __init__(self, path: Path) -> None:
        self._wb = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_numbers": False}
        )
        self._wb.set_properties({"created": _CREATED, "author": "qcity generator"})
        self._ws = self._wb.add_worksheet("Sheet1")
        self._formats: dict[str, Any] = {}
        self._title_format = self._wb.add_format({"bold": True, "align": "center"})
        self._row = 0

    def _date_format(self, num_format: str) -> Any:
        if num_format not in self._formats:
            self._formats[num_format] = self._wb.add_format({"num_format": num_format})
        return self._formats[num_format]

    def write_title(self, text: str, width: int) -> None:
        if width > 1:
            self._ws.merge_range(self._row, 0, self._row, width - 1, text, self._title_format)
        else:
            self._ws.write_string(self._row, 0, text, self._title_format)
        self._row += 1

    def write_row(self, cells: Sequence[Cell]) -> None:
        ws, r = self._ws, self._row
        for c, cell in enumerate(cells):
            if cell is None or cell == "":
                continue
            if isinstance(cell, str):
                ws.write_string(r, c, cell)
            elif isinstance(cell, DateCell):
                ws.write_datetime(
                    r, c, datetime.combine(cell.value, datetime.min.time()),
                    self._date_format(cell.num_format),
                )  # fmt: skip
            else:
                ws.write_number(r, c, cell)
        self._row += 1

    def write_blank(self, width: int) -> None:
        self._row += 1

    def close(self) -> None:
        self._wb.close()


class XlsSink:
    """A legacy ``.xls`` (BIFF8) as old back-office systems still export."""

    MAX_ROWS = 65536

    def __init__(self, path: Path) -> None:
        self._path = path
        self._wb = xlwt.Workbook(encoding="utf-8")
        self._ws = self._wb.add_sheet("Sheet1")
        self._styles: dict[str, xlwt.XFStyle] = {}
        self._row = 0

    def _date_style(self, num_format: str) -> xlwt.XFStyle:
        if num_format not in self._styles:
            self._styles[num_format] = xlwt.easyxf(num_format_str=num_format.upper())
        return self._styles[num_format]

    def write_title(self, text: str, width: int) -> None:
        self._ws.write_merge(self._row, self._row, 0, max(width - 1, 0), text)
        self._row += 1

    def write_row(self, cells: Sequence[Cell]) -> None:
        if self._row >= self.MAX_ROWS:
            raise ValueError(".xls holds at most 65536 rows")
        for c, cell in enumerate(cells):
            if cell is None or cell == "":
                continue
            if isinstance(cell, DateCell):
                self._ws.write(self._row, c, cell.value, self._date_style(cell.num_format))
            else:
                self._ws.write(self._row, c, cell)
        self._row += 1

    def write_blank(self, width: int) -> None:
        self._row += 1

    def close(self) -> None:
        self._wb.save(str(self._path))


def open_sink(path: Path, fmt: str, encoding: str | None, crlf: bool = True) -> RowSink:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return CsvSink(path, encoding or "utf-8", crlf)
    if fmt == "xlsx":
        return XlsxSink(path)
    if fmt == "xls":
        return XlsSink(path)
    raise ValueError(f"unknown format {fmt!r}")
