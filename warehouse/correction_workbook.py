"""整改清单: the correction workbook a department clerk opens to fix an export.

One workbook per source and run: a summary sheet (汇总) listing every file with a problem,
then one sheet per file with the rows at fault as the file had them, the faulty cells
highlighted and the reason in plain Chinese beside them. The sheet keeps the file's own
headers, so the fixed rows can be sent back as they are (the extra columns 原行号 and
问题说明 are ignored on the way in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from ingestion.contracts import get_contract
from qcity.output_safety import neutralise
from warehouse.load import LoadResult, rows_at_fault

ROW_NUMBER_HEADER = "原行号"
REASON_HEADER = "问题说明"
# Excel refuses these in a sheet name; control characters and lone surrogates (an undecodable
# byte in a file name) would make the workbook's XML unreadable.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f\ud800-\udfff]")
_SHEET_MAX_UNITS = 31  # Excel counts UTF-16 code units
_SHEET_RESERVED = {"history"}  # Excel keeps this name for itself


def _fit(text: str, units: int) -> str:
    """The longest prefix of text that is at most `units` UTF-16 code units long."""
    out, used = [], 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > units:
            break
        out.append(char)
        used += size
    return "".join(out)


def _sheet_name(file_name: str, used: set[str]) -> str:
    """A sheet name Excel accepts for any file name, unique in the book ignoring case.

    Excel (and xlsxwriter, which raises) forbids `[]:*?/\\`, a leading or trailing
    apostrophe, more than 31 characters and two names equal ignoring case; one bad name
    used to cost the whole run its workbooks. `used` holds the book's names casefolded.
    """
    base = _fit(_SHEET_FORBIDDEN.sub("_", Path(file_name).stem).strip("'"), _SHEET_MAX_UNITS)
    base = base.rstrip("'") or "文件"
    if base.casefold() in _SHEET_RESERVED:
        base += "_"
    name, k = base, 2
    while name.casefold() in used:
        suffix = f"_{k}"
        name, k = _fit(base, _SHEET_MAX_UNITS - len(suffix)).rstrip("'") + suffix, k + 1
    used.add(name.casefold())
    return name


def write_workbooks(
    con: duckdb.DuckDBPyConnection, results: Iterable[LoadResult], out_dir: Path, at: datetime
) -> list[Path]:
    """Write one workbook per source with problem files; returns the paths written."""
    by_source: dict[str, list[LoadResult]] = {}
    for result in results:
        if result.status == "rejected" or result.rows_quarantined or result.notices_zh():
            by_source.setdefault(result.source or "unknown", []).append(result)
    written = []
    for source, problem_files in by_source.items():
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{at:%Y%m%d-%H%M%S}_{source}_整改清单.xlsx"
        _write(con, source, problem_files, path)
        written.append(path)
    return written


def _write(
    con: duckdb.DuckDBPyConnection, source: str, results: list[LoadResult], path: Path
) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    fault = book.add_format({"bg_color": "#FFEB9C", "font_color": "#9C0006", "border": 1})
    plain = book.add_format({"border": 1})
    reason = book.add_format({"font_color": "#C00000", "text_wrap": True, "border": 1})
    title = get_contract(source).title_zh if source != "unknown" else "未识别的数据"

    summary = book.add_worksheet("汇总")
    summary.write_row(
        0,
        0,
        ["文件名", "数据类型", "处理结果", "读取行数", "入库行数", "问题行数", "问题说明"],
        bold,
    )
    used = {"汇总"}
    for i, result in enumerate(results, start=1):
        rows = rows_at_fault(con, result)
        sheet_name = _sheet_name(result.file, used) if rows else None
        status = "整份退回" if result.status == "rejected" else "部分入库"
        explanation = result.error or (
            f"见工作表「{sheet_name}」：黄色单元格为问题所在，问题说明列写明原因"
        )
        if result.notices_zh():  # a sheet that could not be read is named, never dropped
            explanation = "；".join([*result.notices_zh(), explanation])
        summary.write_row(
            i,
            0,
            [
                neutralise(
                    f"{result.file}［{result.sheet_label}］" if result.sheet_label else result.file
                ),
                title,
                status,
                result.rows_read,
                result.rows_loaded,
                result.rows_quarantined or len(result.rejected_rows),
                neutralise(explanation),
            ],
            plain,
        )
        if sheet_name is not None:
            _file_sheet(book.add_worksheet(sheet_name), rows, bold, fault, plain, reason)
    summary.set_column(0, 0, 40)
    summary.set_column(1, 5, 12)
    summary.set_column(6, 6, 80)
    book.close()


def _file_sheet(
    sheet: Any, rows: list[dict[str, Any]], bold: Any, fault: Any, plain: Any, reason: Any
) -> None:
    originals = [json.loads(r["original_row"]) for r in rows]
    headers: list[str] = []
    for original in originals:
        headers += [h for h in original if h not in headers]
    sheet.write_row(0, 0, [ROW_NUMBER_HEADER, *headers, REASON_HEADER], bold)
    sheet.freeze_panes(1, 1)
    for i, (row, original) in enumerate(zip(rows, originals, strict=True), start=1):
        at_fault = {p.get("header") for p in json.loads(row["problems"] or "[]")}
        at_fault.add(row.get("column_header"))
        sheet.write_number(i, 0, row["row_number"], plain)
        for j, header in enumerate(headers, start=1):
            value = original.get(header, "")
            sheet.write_string(i, j, str(neutralise(value)), fault if header in at_fault else plain)
        sheet.write_string(i, len(headers) + 1, str(neutralise(row["reason_zh"])), reason)
    sheet.set_column(1, len(headers), 14)
    sheet.set_column(len(headers) + 1, len(headers) + 1, 60)
