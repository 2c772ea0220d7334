"""整改清单: the correction workbook a department clerk opens to fix an export.

One workbook per source and run: a summary sheet (汇总) listing every file with a problem,
then one sheet per file with the rows at fault as the file had them: its own header row in
its own order, every cell as typed, the faulty cells highlighted and the reason in plain
Chinese beside them. A sheet saved on its own, fixed, loads under any file name: the
columns its file name supplied are columns of the sheet (抽检类型（由文件名判断）), and the
extra columns 原行号 and 问题说明 are ignored on the way in (common.yaml
`correction_columns`).
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

from ingestion.contracts import common_rules, get_contract
from ingestion.pipeline import LoadResult
from qcity.output_safety import neutralise
from warehouse.audit import rows_at_fault

ROW_NUMBER_HEADER = common_rules().correction_columns.row_number
REASON_HEADER = common_rules().correction_columns.reason
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
    plain = book.add_format({"border": 1})
    formats = {
        "header": bold,
        "plain": plain,
        "fault": book.add_format({"bg_color": "#FFEB9C", "font_color": "#9C0006", "border": 1}),
        "reason": book.add_format({"font_color": "#C00000", "text_wrap": True, "border": 1}),
        "title": book.add_format({"bold": True, "font_color": "#C00000"}),
    }
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
        see = f"见工作表「{sheet_name}」：黄色单元格为问题所在，问题说明列写明原因"
        explanation = "；".join(t for t in (result.error, sheet_name and see) if t)
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
            _file_sheet(book.add_worksheet(sheet_name), con, result, rows, formats)
    summary.set_column(0, 0, 40)
    summary.set_column(1, 5, 12)
    summary.set_column(6, 6, 80)
    book.close()


def _file_sheet(
    sheet: Any,
    con: duckdb.DuckDBPyConnection,
    result: LoadResult,
    rows: list[dict[str, Any]],
    formats: dict[str, Any],
) -> None:
    """The file's own header row and faulty rows as typed, then the workbook's columns.

    Left to right: the file's columns in its order (cells past its last header when a row
    had too many), each column the file name supplied (抽检类型（由文件名判断）, so the sheet
    saved under any name still says it), 原行号 and 问题说明 (ignored when sent back). A
    rejected file's reason is a title row above, which the reader passes over.
    """
    marks = common_rules().correction_columns
    header, from_name = _header(con, result)
    cells = [_cells(row, header) for row in rows]
    width = max([len(header), *(len(c) for c in cells)])
    named = list(from_name.items())
    extra = [f"{h}{marks.from_file_name_mark}" for h, _ in named]
    top = 0
    if result.status == "rejected":
        sheet.write_string(0, 0, _as_typed(f"整份退回：{result.error or ''}"), formats["title"])
        top = 1
    sheet.write_row(
        top,
        0,
        [*header, *[""] * (width - len(header)), *extra, marks.row_number, marks.reason],
        formats["header"],
    )
    sheet.freeze_panes(top + 1, 0)
    for i, (row, row_cells) in enumerate(zip(rows, cells, strict=True), start=top + 1):
        at_fault = _faulty_positions(row, header, width, result.source, [h for h, _ in named])
        for j in range(width):
            value = row_cells[j] if j < len(row_cells) else ""
            style = formats["fault"] if j in at_fault or "*" in at_fault else formats["plain"]
            sheet.write_string(i, j, _as_typed(value), style)
        for k, (_, word) in enumerate(named):
            style = formats["fault"] if width + k in at_fault else formats["plain"]
            sheet.write_string(i, width + k, word, style)
        sheet.write_number(i, width + len(named), row["row_number"], formats["plain"])
        sheet.write_string(
            i, width + len(named) + 1, _as_typed(row["reason_zh"] or ""), formats["reason"]
        )
    sheet.set_column(0, width + len(named) - 1, 14)
    sheet.set_column(width + len(named) + 1, width + len(named) + 1, 60)


def _as_typed(value: str) -> str:
    """The cell as typed; text a spreadsheet would run as a formula once edited gets an
    apostrophe (a placeholder `-` or a phone number `+86…` stays as it is: it is data)."""
    return "'" + value if value.startswith(("=", "@")) else value


def _header(con: duckdb.DuckDBPyConnection, result: LoadResult) -> tuple[list[str], dict[str, str]]:
    """The load's header row as typed and the columns its file name supplied."""
    if result.header_row:
        return list(result.header_row), dict(result.file_name_values)
    found = con.execute(
        "select header_row, file_name_values from audit.load_header where load_id = ?",
        [result.load_id],
    ).fetchone()
    if found is None:
        return [], {}
    return json.loads(found[0]), json.loads(found[1] or "{}")


def _cells(row: dict[str, Any], header: list[str]) -> list[str]:
    original = json.loads(row["original_row"] or "[]")
    if isinstance(original, dict):  # quarantined before original_row held the cells
        return [str(original.get(h.strip(), "")) for h in header]
    return ["" if c is None else str(c) for c in original]


def _faulty_positions(
    row: dict[str, Any], header: list[str], width: int, source: str | None, from_name: list[str]
) -> set[int | str]:
    """The cells to highlight: each problem's cell ("*": the whole row, for a row whose
    cells do not fit the header), the file-name column when that column is at fault."""
    by_header = {h.strip(): i for i, h in enumerate(header)}
    alias = _first_aliases(source)
    found: set[int | str] = set()
    problems = json.loads(row["problems"] or "[]") or [
        {"column": row.get("column_name"), "header": row.get("column_header")}
    ]
    for problem in problems:
        column, position = problem.get("column"), problem.get("position")
        if problem.get("rule") == "malformed_row" or (column is None and position is None):
            found.add("*")
        elif isinstance(position, int):
            found.add(position)
        elif alias.get(column) in from_name:
            found.add(width + from_name.index(alias[column]))
        elif (problem.get("header") or "").strip() in by_header:
            found.add(by_header[problem["header"].strip()])
    return found


def _first_aliases(source: str | None) -> dict[str, str]:
    if not source or source == "unknown":
        return {}
    return {c.name: c.aliases[0] for c in get_contract(source).columns if c.aliases}
