"""整改清单: what a clerk opens, and that the fixed rows load cleanly when sent back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl

from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv
from warehouse.correction_workbook import REASON_HEADER, ROW_NUMBER_HEADER, write_workbooks

YELLOW = "FFFFEB9C"


def test_workbook_shows_rows_highlights_fault_and_explains(tmp_path: Path, loader, con) -> None:
    rows = [
        MARKET_HEADER,
        *good_market_rows(20),
        market_row("Q1", county="火星区"),
        market_row("Q2", date="2025-02-30"),
        market_row("Q3", kind="=cmd|' /C calc'!A0"),
    ]
    loaded = loader.ingest(write_csv(tmp_path / "第9期抽检.csv", rows))
    assert loaded.rows_quarantined == 3, loaded.error
    empty = tmp_path / "空文件.csv"
    empty.write_bytes(b"")
    rejected = loader.ingest(empty, source="market_sampling")
    [path] = write_workbooks(con, [loaded, rejected], tmp_path / "out", datetime(2025, 11, 1))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "汇总"
    summary = [[c.value for c in r] for r in book["汇总"].iter_rows()]
    assert summary[0][:3] == ["文件名", "数据类型", "处理结果"]
    assert [r[0] for r in summary[1:]] == ["第9期抽检.csv", "空文件.csv"]
    assert summary[2][2] == "整份退回" and "空文件" in summary[2][6]

    sheet = book["第9期抽检"]
    header = [c.value for c in sheet[1]]
    # the file's own header row in its order, then the workbook's two columns: nothing else
    assert header == [*MARKET_HEADER, ROW_NUMBER_HEADER, REASON_HEADER]
    body = {r[-2].value: r for r in sheet.iter_rows(min_row=2)}
    assert set(body) == {22, 23, 24}
    assert [c.value or "" for c in body[22][:-2]] == market_row("Q1", county="火星区")
    county_cell = body[22][header.index("所属县区")]
    assert county_cell.value == "火星区" and county_cell.fill.fgColor.rgb == YELLOW
    assert body[22][header.index("抽样编号")].fill.fgColor.rgb != YELLOW
    assert "火星区" in body[22][-1].value and "县" in body[22][-1].value
    assert "日期" in body[23][-1].value
    assert body[23][header.index("抽样日期")].value == "2025-02-30"
    assert body[24][header.index("抽检类型")].value.startswith("'=")  # never a live formula
    assert all(c.data_type == "s" for r in body.values() for c in r[:-2])  # text, as typed


def test_fixed_rows_sent_back_load_cleanly(tmp_path: Path, loader, con) -> None:
    rows = [MARKET_HEADER, *good_market_rows(10), market_row("Q1", county="火星区")]
    loaded = loader.ingest(write_csv(tmp_path / "抽检.csv", rows))
    [path] = write_workbooks(con, [loaded], tmp_path / "out", datetime(2025, 11, 1))
    book = openpyxl.load_workbook(path)
    sheet = book["抽检"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("所属县区") + 1, value="袁州区")
    book.save(tmp_path / "抽检_已整改.xlsx")
    fixed = loader.ingest(tmp_path / "抽检_已整改.xlsx")
    assert (fixed.status, fixed.rows_loaded, fixed.rows_quarantined) == ("loaded", 1, 0), (
        fixed.error
    )
    assert con.execute(
        "select county_code from raw.market_sampling where sample_id = 'Q1'"
    ).fetchall() == [("360902",)]


def test_any_file_name_gets_its_own_sheet_in_one_workbook(tmp_path: Path, loader, con) -> None:
    """Names Excel would refuse, or that differ only in case, no longer cost the run its book."""
    names = [
        "'抽检合格信息'.csv",
        "A.csv",
        "a.csv",
        "第" + "九" * 58 + "期.csv",  # 60 characters before .csv
        "a[1]:b?.csv",
        "history.csv",
    ]
    results = []
    for n, name in enumerate(names):
        rows = [
            MARKET_HEADER,
            *good_market_rows(5, prefix=f"G{n}_"),
            market_row(f"Q{n}", county="火星区"),
        ]
        results.append(loader.ingest(write_csv(tmp_path / name, rows), source="market_sampling"))
    assert all(r.rows_quarantined == 1 for r in results), [r.error for r in results]

    [path] = write_workbooks(con, results, tmp_path / "out", datetime(2025, 11, 1))
    book = openpyxl.load_workbook(path)
    sheets = book.sheetnames[1:]
    assert len(sheets) == len(names)
    assert len({s.casefold() for s in [*sheets, "汇总"]}) == len(names) + 1
    for sheet in sheets:
        assert 0 < len(sheet) <= 31 and not set(sheet) & set("[]:*?/\\"), sheet
        assert not sheet.startswith("'") and not sheet.endswith("'"), sheet
        assert sheet.casefold() != "history"
    summary = [[c.value for c in r] for r in book["汇总"].iter_rows(min_row=2)]
    assert [r[0] for r in summary] == names
    for row, sheet in zip(summary, sheets, strict=True):
        assert f"「{sheet}」" in row[6]  # the summary says which sheet holds the file's rows
        header = [c.value for c in book[sheet][1]]
        column = header.index(ROW_NUMBER_HEADER)
        assert [r[column] for r in book[sheet].iter_rows(min_row=2, values_only=True)] == [7]
