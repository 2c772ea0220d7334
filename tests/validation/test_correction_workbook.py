"""整改清单: what a clerk opens, and that the fixed rows load cleanly when sent back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl

from ingestion.contracts import Contract, common_rules, get_contract
from ingestion.contracts.loader import indicators
from ingestion.contracts.schema import ColumnType
from ingestion.header import canonical_for
from ingestion.normalize.dates import parse_date
from ingestion.normalize.numbers import parse_number
from ingestion.normalize.text import is_placeholder
from ingestion.pipeline import LoadResult
from qcity.correction_workbook import REASON_HEADER, ROW_NUMBER_HEADER, write_workbooks
from sample_data import generate_exports
from tests.conftest import (
    LOAD_DAY,
    MARKET_HEADER,
    good_market_rows,
    market_row,
    write_csv,
    write_xlsx,
)
from warehouse.audit import quarantined_rows, rows_at_fault
from warehouse.connection import connect
from warehouse.load import Loader

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


# -- the round trip: fix the highlighted cells, save the sheet alone, send it back ---------

MARKS = common_rules().correction_columns
GOOD_DATE = "2025-03-05"
#: a value each rule accepts, whatever the column (rules that need the row are in _fix_cell)
GOOD_FOR_RULE = {
    "invalid_date": GOOD_DATE,
    "date_out_of_range": GOOD_DATE,
    "unknown_county": "袁州区",
    "invalid_number": "0",
    "invalid_integer": "1",
    "value_too_long": "已整改",
    "invalid_period": "2025-09",
}
GOOD_FOR_TYPE = {
    ColumnType.DATE: GOOD_DATE,
    ColumnType.COUNTY: "袁州区",
    ColumnType.NUMBER: "1",
    ColumnType.INTEGER: "1",
    ColumnType.VERDICT: "合格",
    ColumnType.PERIOD: "2025-09",
}


def _sheet_rows(sheet) -> tuple[int, list[list[object]]]:
    """(index of the header row, every row of the sheet as values)."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    top = next(i for i, r in enumerate(rows) if MARKS.row_number in r)
    return top, rows


def _fix_cell(
    contract: Contract, rule: str, column: str, at: int, row: list, columns: dict[str, int]
) -> None:
    spec = contract.column(column)
    needed = _value_blank_cells_need(contract, column, row, columns)
    earliest = _earliest_later_date(contract, column, row, columns)
    if rule == "invalid_integer" and needed:
        row[at] = needed  # 问题序号 of a row whose finding is blank: 0, as the clerk knows
    elif rule in {"invalid_date", "date_out_of_range"} and earliest:
        row[at] = earliest  # the dates that must not precede it bound it
    elif rule in GOOD_FOR_RULE:
        row[at] = GOOD_FOR_RULE[rule]
    elif rule in {"invalid_verdict", "verdict_inconsistent"}:
        row[at] = _right_verdict(row, columns)
    elif rule == "unknown_value":
        row[at] = next(iter(spec.vocabulary.values()))[0]
    elif rule == "out_of_range":
        low, high = spec.min_value or 0, spec.max_value
        row[at] = str(int((low + high) / 2) if high is not None else low)  # low: no limit
    elif rule == "required_missing":
        row[at] = GOOD_FOR_TYPE.get(spec.type) or (
            next(iter(spec.vocabulary.values()))[0] if spec.vocabulary else "已补填"
        )
    elif rule == "unknown_indicator":
        unit = row[columns["unit"]] if "unit" in columns else None
        row[at] = next(i.indicator_code for i in indicators().values() if i.unit == unit)
        if "indicator_name" in columns and row[columns["indicator_name"]]:
            row[columns["indicator_name"]] = indicators()[row[at]].name_zh
    elif rule == "indicator_name_mismatch":
        row[at] = indicators()[row[columns["indicator_code"]]].name_zh
    elif rule == "unit_mismatch":
        row[at] = indicators()[row[columns["indicator_code"]]].unit
    elif rule in {"out_of_order", "required_when"} and _compared_with(contract, column):
        # the date the comparison names is a right value (>=), and a date the clerk adds
        # must keep the order too
        row[at] = row[columns[_compared_with(contract, column)]]
    elif rule == "required_when":
        row[at] = GOOD_FOR_TYPE.get(spec.type) or "已补填"
    elif rule == "forbidden_when":
        row[at] = None
    else:
        raise AssertionError(f"no fix known for {rule} in {column}")


def _value_blank_cells_need(
    contract: Contract, column: str, row: list, columns: dict[str, int]
) -> str | None:
    """The value of `column` under which the row's blank cells may stay blank: another
    column required unless `column` is one of a few values (`隐患描述` unless 问题序号 0)."""
    for other in contract.columns:
        when = other.required_when
        applies = when and when.column == column and when.not_in and other.name in columns
        if applies and is_placeholder(str(row[columns[other.name]] or "")):
            return str(when.not_in[0])
    return None


def _earliest_later_date(
    contract: Contract, column: str, row: list, columns: dict[str, int]
) -> str | None:
    """The earliest date of the row's columns a `compare` rule keeps at or after `column`."""
    later = [c.left for c in contract.compare if c.right == column and c.left in columns]
    dates = [parse_date(str(row[columns[c]] or "")) for c in later]
    known = [d for d in dates if d is not None]
    return min(known).isoformat() if known else None


def _compared_with(contract: Contract, column: str) -> str | None:
    """The column a contract's `compare` rule sets this one against, if any."""
    for comparison in contract.compare:
        if column in (comparison.left, comparison.right):
            return comparison.right if comparison.left == column else comparison.left
    return None


def _right_verdict(row: list, columns: dict[str, int]) -> str:
    """The verdict the row's data support: failed items listed, or a result over its limit."""

    def cell(name: str) -> str:
        return str(row[columns[name]] or "") if name in columns else ""

    if "failed_items_text" in columns:
        return "合格" if is_placeholder(cell("failed_items_text")) else "不合格"
    measured, limit = parse_number(cell("measured_value")), parse_number(cell("limit_value"))
    if measured.value is not None and limit.value is not None and measured.value > limit.value:
        return "不合格"
    return "合格"


def _fix_sheet(sheet, contract: Contract, faults: dict[int, list[dict]]) -> list[list[object]]:
    """The sheet's rows with every highlighted cell given a value its rule accepts."""
    top, rows = _sheet_rows(sheet)
    header = rows[top]
    number_at = header.index(MARKS.row_number)
    columns = {canonical_for(contract, h): i for i, h in enumerate(header) if h and i < number_at}
    columns.pop(None, None)
    last_header = max(i for i, h in enumerate(header[:number_at]) if h)
    keys_seen: set[str] = set()
    for row in rows[top + 1 :]:
        highlighted = faults[row[number_at]]
        for problem in highlighted:
            rule, column = problem["rule"], problem["column"]
            if rule == "duplicate_row":
                continue  # sent alone, the repeat is no repeat
            if rule == "malformed_row":  # cells past the header: the stray ones go
                row[last_header + 1 : number_at] = [None] * (number_at - last_header - 1)
                continue
            if rule == "duplicate_key":  # two rows, one key: the later one gets its own
                if problem["value"] in keys_seen:
                    # an id gets a suffix; a key of code, county and period another period
                    specs = [contract.column(k) for k in contract.natural_key if k in columns]
                    spec = next((c for c in specs if c.type is ColumnType.STRING), None)
                    if spec is not None:
                        row[columns[spec.name]] = f"{row[columns[spec.name]]}-2"
                    else:
                        spec = next(c for c in specs if c.type is ColumnType.PERIOD)
                        row[columns[spec.name]] = "2024"
                keys_seen.add(problem["value"])
                continue
            at = problem["position"] if problem["position"] is not None else columns[column]
            _fix_cell(contract, rule, column, at, row, columns)
    return rows


def _send_back(rows: list[list[object]], path: Path, warehouse: Path) -> LoadResult:
    """The fixed sheet saved alone under a neutral name, loaded into a fresh warehouse."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(["" if v is None else v for v in row])
    path.parent.mkdir(parents=True)
    book.save(path)
    fresh = connect(warehouse)
    try:
        return Loader(fresh, now=lambda: LOAD_DAY).ingest(path)
    finally:
        fresh.close()


def test_every_generated_sheet_fixed_and_sent_back_loads(tmp_path: Path, loader, con) -> None:
    """`qcity generate`'s exports: every sheet with faulty rows, fixed cell by cell as the
    highlighting says, saved on its own as fixed.xlsx, loads whole with nothing quarantined."""
    root = tmp_path / "exports"
    manifest = generate_exports(root, rows=500, seed=5)
    results = []
    for entry in manifest.files:
        first = loader.ingest(root / entry.path, source=entry.source)
        results += [first, *first.more]
    faulty = [r for r in results if rows_at_fault(con, r)]
    expected = {f.path.rsplit("/", 1)[-1] for f in manifest.files if f.rows_quarantined}
    assert expected <= {r.file for r in faulty}
    paths = write_workbooks(con, results, tmp_path / "out", datetime(2025, 11, 1))
    books = {p.name[16:].removesuffix("_整改清单.xlsx"): openpyxl.load_workbook(p) for p in paths}

    sent_back = 0
    for result in faulty:
        rows = rows_at_fault(con, result)
        book = books[result.source]
        summary = {r[0]: r[6] for r in book["汇总"].iter_rows(min_row=2, values_only=True)}
        label = f"{result.file}［{result.sheet_label}］" if result.sheet_label else result.file
        sheet = book[summary[label].split("「")[1].split("」")[0]]
        top, shown = _sheet_rows(sheet)
        assert shown[top][: len(result.header_row)] == [h or None for h in result.header_row]
        assert "_row_text" not in shown[top]
        if result.status == "rejected":
            assert top == 1 and result.error in shown[0][0]
        faults = {r["row_number"]: json.loads(r["problems"]) for r in rows}
        fixed = _fix_sheet(sheet, get_contract(result.source), faults)
        back = _send_back(fixed, tmp_path / f"fixed{sent_back}" / "fixed.xlsx", tmp_path / "w")
        assert (back.status, back.rows_quarantined, back.rows_loaded) == (
            "loaded",
            0,
            len(rows),
        ), (
            result.file,
            back.error,
            [(r["reason_zh"], str(fixed[r["row_number"] - 1])) for r in back.rejected_rows],
            quarantined_rows_of(back, tmp_path / "w", fixed),
        )
        (tmp_path / "w").unlink()
        sent_back += 1
    assert sent_back >= 15, sent_back


def quarantined_rows_of(result: LoadResult, warehouse: Path, rows: list[list]) -> list[tuple]:
    fresh = connect(warehouse)
    try:
        return [
            (r["row_number"], r["rule"], r["reason_zh"], str(rows[r["row_number"] - 1]))
            for r in quarantined_rows(fresh, result.load_id)
        ]
    finally:
        fresh.close()


def test_real_shaped_files_show_as_typed_and_come_back(tmp_path: Path, loader, con) -> None:
    """Title rows, a header with a line break, full-width brackets, `/` placeholders, a
    column the file name supplies, a key typed twice: the sheet shows every cell as typed,
    never the cleaned value (铜鼓县 stays, not 360926), and sent back alone it loads."""
    header = [
        "抽样编号",
        "食品名称",
        "被抽样单位名称",
        "所属县区",
        "抽样\n日期",
        "检验结论",
        "备注",
    ]
    market = [
        ["宜春市2025年第3期食品安全监督抽检信息"],
        ["（本表由市市场监管局填报）"],
        header,
        *[[f"G{i:03d}", "芹菜", "某某超市", "袁州区", "2025/3/5", "合格", "/"] for i in range(12)],
        ["D001", "菜籽油", "铜鼓县永辉超市（二店）", "铜鼓县", "2025年3月5日", "合格", "/"],
        ["D001", "菜籽油", "铜鼓县永辉超市（三店）", "铜鼓县", "2025年3月5日", "合格", "/"],
        ["Q001", "馒头", "某某餐饮店（一店）", "火星区", "2025.3.6", "合格", "/"],
    ]
    loaded = loader.ingest(write_csv(tmp_path / "宜春市2025年第3期食品安全抽检.csv", market))
    assert loaded.rows_quarantined == 3, loaded.error
    rounds = ["工程代码", "工程名称", "县区", "工程规模", "竣工验收日期", "验收\n次数", "验收结论"]
    building = [
        ["2025年竣工验收备案信息"],
        rounds,
        *[[f"P{i:03d}", "某某小区", "袁州区", "大型", "2025-03-05", "1", "合格"] for i in range(9)],
        ["P900", "某某学校（二期）", "铜鼓县", "中型", "2025-02-30", "1", "合格"],
    ]
    built = loader.ingest(write_xlsx(tmp_path / "竣工验收.xlsx", building))
    assert built.rows_quarantined == 1, built.error
    paths = write_workbooks(con, [loaded, built], tmp_path / "out", datetime(2025, 11, 1))
    books = {p.name[16:].removesuffix("_整改清单.xlsx"): openpyxl.load_workbook(p) for p in paths}

    sheet = books["market_sampling"]["宜春市2025年第3期食品安全抽检"]
    top, shown = _sheet_rows(sheet)
    assert top == 0
    assert shown[0] == [
        *header,
        "抽检类型" + MARKS.from_file_name_mark,
        MARKS.row_number,
        MARKS.reason,
    ]
    assert [r[:9] for r in shown[1:]] == [
        [*market[-3], "食品", 16],
        [*market[-2], "食品", 17],
        [*market[-1], "食品", 18],
    ]
    assert sheet.cell(2, 1).fill.fgColor.rgb == YELLOW  # the key typed twice
    assert sheet.cell(4, 4).fill.fgColor.rgb == YELLOW  # 火星区
    assert sheet.cell(4, 3).fill.fgColor.rgb != YELLOW
    rows = [[*r] for r in shown]
    rows[2][0], rows[3][3] = "D002", "袁州区"
    back = _send_back(rows, tmp_path / "a" / "fixed.xlsx", tmp_path / "a.duckdb")
    assert (back.status, back.rows_loaded, back.rows_quarantined) == ("loaded", 3, 0), back.error

    sheet = books["construction_acceptance"]["竣工验收"]
    top, shown = _sheet_rows(sheet)
    assert shown[top] == [*rounds, MARKS.row_number, MARKS.reason]
    assert shown[top + 1] == [*building[-1][:5], "1", "合格", 12, shown[top + 1][-1]]
    rows = [[*r] for r in shown]
    rows[top + 1][4] = GOOD_DATE
    back = _send_back(rows, tmp_path / "b" / "fixed.xlsx", tmp_path / "b.duckdb")
    assert (back.status, back.rows_loaded, back.rows_quarantined) == ("loaded", 1, 0), back.error
