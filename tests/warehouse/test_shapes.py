"""Hand-made shapes of exports (contract, "Variations"): merged cells, several sheets,
trailer rows, a header repeated in another order, a column named twice, other delimiters.
Every row is loaded, quarantined or counted as skipped with a reason; nothing vanishes."""

from __future__ import annotations

import json
from pathlib import Path

import xlsxwriter

from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv, write_xlsx
from tests.warehouse.test_load_other_sources import AGRI_HEADER, agri_row


def _manifest(con, file_name: str) -> list[dict]:
    cursor = con.execute(
        "select sheet, source, status, rows_read, rows_loaded, rows_quarantined, rows_skipped, "
        "skipped, error from audit.file_manifest where file_name = ? order by load_id",
        [file_name],
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    for row in rows:
        row["skipped"] = json.loads(row["skipped"] or "[]")
        assert row["rows_skipped"] == sum(n["rows"] for n in row["skipped"])
        if row["status"] == "loaded":
            assert row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"]
    return rows


def _skipped(row: dict) -> dict[tuple[str | None, str], int]:
    return {(n["sheet"], n["rule"]): n["rows"] for n in row["skipped"]}


def test_merged_county_cells_apply_to_every_row_of_the_merge(tmp_path: Path, loader, con) -> None:
    path = tmp_path / "合并单元格.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("抽检")
    sheet.merge_range(0, 0, 0, 8, "宜春市2025年第3期食品安全监督抽检信息")
    sheet.merge_range(1, 0, 1, 3, "基本信息")  # a group title above the header
    sheet.merge_range(1, 4, 1, 8, "抽检结果")
    sheet.write_row(2, 0, MARKET_HEADER)
    county = MARKET_HEADER.index("所属县区")
    rows = good_market_rows(6)
    for i, row in enumerate(rows):
        sheet.write_row(3 + i, 0, row)
    sheet.merge_range(3, county, 5, county, "樟树市")  # rows 4-6
    sheet.merge_range(6, county, 8, county, "高安")  # rows 7-9
    sheet.set_row(4, None, None, {"hidden": True})  # a hidden row is data like any other
    book.close()

    result = loader.ingest(path)

    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 6, 6)
    counties = con.execute(
        "select _row_number, county_code from raw.market_sampling order by 1"
    ).fetchall()
    assert counties == [(n, "360982") for n in (4, 5, 6)] + [(n, "360983") for n in (7, 8, 9)]


def _several_sheets(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path))
    notes = book.add_worksheet("填报说明")
    notes.write(0, 0, "1. 每个抽样编号一行；2. 日期格式为2025-03-05。")
    notes.write(1, 0, "3. 请勿修改表头。")
    first = book.add_worksheet("一月")
    first.write_row(0, 0, MARKET_HEADER)
    for i, row in enumerate(good_market_rows(10, "A")):
        first.write_row(1 + i, 0, row)
    agri = book.add_worksheet("农残快检")
    agri.write(0, 0, "宜春市农产品质量安全检测结果")
    agri.write_row(1, 0, AGRI_HEADER)
    for i in range(12):
        agri.write_row(2 + i, 0, agri_row(f"N{i:03d}"))
    stray = book.add_worksheet("Sheet4")  # data, but no header anyone can read
    for i in range(7):
        stray.write_row(i, 0, [f"X{i}", "芹菜", "某某超市", "2025-03-05"])
    second = book.add_worksheet("二月")
    second.write_row(0, 0, MARKET_HEADER)
    for i, row in enumerate(good_market_rows(5, "B")):
        second.write_row(1 + i, 0, row)
    hidden = book.add_worksheet("三月")
    hidden.hide()  # a hidden sheet is data like any other
    hidden.write_row(0, 0, MARKET_HEADER)
    for i, row in enumerate(good_market_rows(3, "C")):
        hidden.write_row(1 + i, 0, row)
    book.add_worksheet("Sheet7")  # empty
    book.close()
    return path


def test_each_sheet_loads_on_its_own_under_its_own_source(tmp_path: Path, loader, con) -> None:
    path = _several_sheets(tmp_path / "第3期抽检.xlsx")

    first = loader.ingest(path, "market_sampling")

    results = [first, *first.more]
    assert [(r.sheet, r.source, r.status, r.rows_loaded) for r in results] == [
        ("一月", "market_sampling", "loaded", 10),
        ("农残快检", "agri_testing", "loaded", 12),
        ("二月", "market_sampling", "loaded", 5),
        ("三月", "market_sampling", "loaded", 3),
    ]
    assert len({r.load_id for r in results}) == 4
    assert con.execute("select count(*) from raw.market_sampling").fetchone() == (18,)
    assert con.execute("select count(*) from raw.agri_testing").fetchone() == (12,)

    manifest = _manifest(con, path.name)
    assert [(m["sheet"], m["rows_read"]) for m in manifest] == [
        ("一月", 10),
        ("农残快检", 12),
        ("二月", 5),
        ("三月", 3),
    ]
    # the sheets without data are on the file's first load, each with its reason
    assert _skipped(manifest[0]) == {
        ("填报说明", "instructions_sheet"): 2,
        ("Sheet4", "unrecognised_sheet"): 7,
        ("Sheet7", "empty_sheet"): 0,
    }
    assert manifest[0]["rows_skipped"] == 9
    stray = next(n for n in manifest[0]["skipped"] if n["sheet"] == "Sheet4")
    assert "Sheet4" in stray["reason_zh"] and "找不到可识别的表头" in stray["reason_zh"]
    assert first.notices_zh() == [stray["reason_zh"]]
    assert all(m["skipped"] == [] for m in manifest[1:])


def test_unrecognised_sheet_is_named_in_the_correction_workbook(tmp_path: Path, con) -> None:
    import openpyxl

    from qcity.correction_workbook import write_workbooks
    from tests.conftest import LOAD_DAY
    from warehouse.load import Loader

    path = _several_sheets(tmp_path / "第3期抽检.xlsx")
    results = Loader(con, now=lambda: LOAD_DAY).ingest_sheets(path)
    written = write_workbooks(con, results, tmp_path / "out", LOAD_DAY)

    assert len(written) == 1 and "market_sampling" in written[0].name
    summary = openpyxl.load_workbook(written[0])["汇总"]
    row = [c.value for c in summary[2]]
    assert row[0] == "第3期抽检.xlsx［一月］"
    assert "Sheet4" in row[6] and "7行" in row[6]


TRAILERS = [
    ["合计", "", "", "", "", "", "", "3", ""],
    ["注：本表数据截至2025年3月31日，不含复检结果。"],
    ["填报人：张三", "", "审核人：李四", "", "联系电话：0795-3201234"],
    ["制表日期：2025年4月1日"],
]


def test_trailer_rows_are_skipped_not_faulted_in_csv(tmp_path: Path, loader, con) -> None:
    path = write_csv(tmp_path / "带合计.csv", [MARKET_HEADER, *good_market_rows(3), *TRAILERS])

    result = loader.ingest(path)

    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 3, 3)
    assert result.rows_quarantined == 0
    (row,) = _manifest(con, path.name)
    assert _skipped(row) == {(None, "trailer_row"): 4}
    assert row["skipped"][0]["row_numbers"] == [5, 6, 7, 8]


def test_trailer_rows_are_skipped_in_a_workbook(tmp_path: Path, loader, con) -> None:
    path = tmp_path / "带签字.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("抽检")
    sheet.write_row(0, 0, MARKET_HEADER)
    for i, row in enumerate(good_market_rows(4)):
        sheet.write_row(1 + i, 0, row)
    sheet.write_row(5, 0, ["小计", "", "", "", "", "", "", "4"])
    sheet.write_row(6, 0, [])
    sheet.merge_range(7, 0, 7, 12, "备注：不合格样品已移交稽查。")  # wider than the header
    sheet.write_row(8, 0, ["填报人：王五", "", "", "", "", "", "", "", "联系电话：13812340101"])
    book.close()

    result = loader.ingest(path)

    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 4, 4)
    (row,) = _manifest(con, path.name)
    assert _skipped(row) == {("抽检", "trailer_row"): 3, ("抽检", "blank_row"): 1}


def test_header_repeated_in_another_order_remaps_the_rows_after_it(
    tmp_path: Path, loader, con
) -> None:
    product, unit = MARKET_HEADER.index("食品名称"), MARKET_HEADER.index("被抽样单位名称")
    swapped = list(MARKET_HEADER)
    swapped[product], swapped[unit] = swapped[unit], swapped[product]

    def swap(row: list[str]) -> list[str]:
        row = list(row)
        row[product], row[unit] = row[unit], row[product]
        return row

    later = [market_row(f"L{i}") for i in range(4)]
    path = write_csv(
        tmp_path / "两张表.csv",
        [MARKET_HEADER, *good_market_rows(3), [], swapped, *[swap(r) for r in later]],
    )

    result = loader.ingest(path)

    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 7, 7)
    pairs = con.execute(
        "select distinct product_name, sampled_unit from raw.market_sampling"
    ).fetchall()
    assert pairs == [("芹菜", "某某超市")]
    (row,) = _manifest(con, path.name)
    assert _skipped(row) == {(None, "blank_row"): 1, (None, "repeated_header"): 1}


def test_a_reordered_header_spelled_with_wide_spaces_is_still_found(
    tmp_path: Path, loader, con
) -> None:
    """The search folds cells as headers are folded (NFKC, no whitespace) before comparing,
    once per distinct value: the words of a re-ordered header with ideographic spaces and
    padding are a header again, and the rows after it are read in its order."""
    order = [1, 0, *range(2, len(MARKET_HEADER))]  # 抽检类型 before 抽样编号
    spelled = [f" {MARKET_HEADER[i][0]}\u3000{MARKET_HEADER[i][1:]} " for i in order]
    later = [[row[i] for i in order] for row in good_market_rows(3, prefix="L")]
    path = write_csv(
        tmp_path / "宽空格.csv", [MARKET_HEADER, *good_market_rows(3), spelled, *later]
    )

    result = loader.ingest(path)

    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 6, 6)
    kinds = con.execute("select distinct sampling_type from raw.market_sampling").fetchall()
    assert kinds == [("food",)]
    (row,) = _manifest(con, path.name)
    assert _skipped(row) == {(None, "repeated_header"): 1}


def test_repeated_header_with_a_new_column_rejects_with_a_reason(tmp_path: Path, loader) -> None:
    header = [h for h in MARKET_HEADER if h != "被抽样单位地址"]
    other = [*header[:-1], "规格型号"]  # a column the first table did not have
    rows = [[c for j, c in enumerate(r) if j != 4] for r in good_market_rows(3)]
    path = write_csv(tmp_path / "拼接.csv", [header, *rows, other, *rows])

    result = loader.ingest(path)

    assert (result.status, result.reject_rule) == ("rejected", "header_changed")
    assert "规格型号" in result.error and "第" not in result.error_en


def test_a_column_named_twice_reads_the_first_and_quarantines_conflicts(
    tmp_path: Path, loader, con
) -> None:
    header = [*MARKET_HEADER, "抽样日期"]
    rows = [
        [*market_row("D1"), "2025-03-05"],  # agrees
        [*market_row("D2"), ""],  # second cell empty
        [*market_row("D3"), "2025/3/5"],  # the same date written otherwise: agrees
        [*market_row("D4"), "2025-03-09"],  # disagrees
        [*market_row("D5"), "三月九日"],  # no date at all: disagrees
        *[[*r, "/"] for r in good_market_rows(8)],
    ]
    path = write_csv(tmp_path / "两列日期.csv", [header, *rows])

    result = loader.ingest(path)

    assert (result.status, result.rows_read) == ("loaded", 13)
    assert (result.rows_loaded, result.rows_quarantined) == (11, 2)
    quarantined = con.execute(
        "select row_number, rule, reason_zh from audit.quarantine order by 1"
    ).fetchall()
    assert [(n, rule) for n, rule, _ in quarantined] == [
        (5, "duplicate_column"),
        (6, "duplicate_column"),
    ]
    assert "抽样日期" in quarantined[0][2] and "2025-03-09" in quarantined[0][2]


def test_tab_and_semicolon_delimited_text(tmp_path: Path, loader, con) -> None:
    rows = [["宜春市监督抽检信息"], MARKET_HEADER, *good_market_rows(4)]
    tab = tmp_path / "tab.txt"
    tab.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="gb18030")
    semi = tmp_path / "semi.csv"
    semi.write_text(
        "\n".join(";".join(r) for r in [rows[0], rows[1], *good_market_rows(4, "S")]) + "\n",
        encoding="utf-8",
    )

    for path in (tab, semi):
        result = loader.ingest(path)
        assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 4, 4), result
    assert con.execute("select count(distinct sample_id) from raw.market_sampling").fetchone() == (
        8,
    )


def test_single_sheet_workbook_starting_lower_keeps_excel_row_numbers(
    tmp_path: Path, loader, con
) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "靠下.xlsx"))
    sheet = book.add_worksheet()
    sheet.write_row(3, 1, MARKET_HEADER)  # header on Excel row 4, from column B
    for i, row in enumerate(good_market_rows(2)):
        sheet.write_row(4 + i, 1, row)
    book.close()

    result = loader.ingest(tmp_path / "靠下.xlsx")

    assert result.rows_loaded == 2
    assert con.execute("select _row_number from raw.market_sampling order by 1").fetchall() == [
        (5,),
        (6,),
    ]


def test_write_xlsx_helper_still_single_sheet(tmp_path: Path, loader) -> None:
    path = write_xlsx(tmp_path / "one.xlsx", [MARKET_HEADER, *good_market_rows(2)])
    result = loader.ingest(path)
    assert (result.sheet, result.more, result.rows_loaded) == ("Sheet1", [], 2)
