"""The contract's market_sampling rules, file in, warehouse rows out."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import (
    MARKET_HEADER,
    good_market_rows,
    market_row,
    write_csv,
    write_xls,
    write_xlsx,
)

TITLE = ["宜春市市场监督管理局2025年第3期食品安全监督抽检信息"]
NOTICE = ["重要提示：本次抽检结果仅对所检样品负责"]


def rows_of(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_loads_the_same_values(tmp_path: Path, loader, con, encoding) -> None:
    path = write_csv(
        tmp_path / f"抽检_{encoding}.csv",
        [TITLE, NOTICE, [], MARKET_HEADER, market_row("A1", county="樟树")],
        encoding,
    )
    result = loader.ingest(path)
    assert (result.status, result.source, result.rows_loaded) == ("loaded", "market_sampling", 1)
    assert rows_of(
        con,
        "select sample_id, product_name, county_code, sampling_date, verdict "
        "from raw.market_sampling",
    ) == [("A1", "芹菜", "360982", date(2025, 3, 5), "pass")]
    assert rows_of(con, "select encoding from audit.file_manifest") == [(encoding,)]


def test_gbk_file_is_detected_not_configured(tmp_path: Path, loader) -> None:
    path = write_csv(tmp_path / "gbk.csv", [MARKET_HEADER, *good_market_rows(30)], "gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert loader.ingest(path).rows_loaded == 30


@pytest.mark.parametrize("writer", [write_xlsx, write_xls], ids=["xlsx", "xls"])
def test_workbooks_load_with_title_rows_and_real_dates(tmp_path: Path, loader, con, writer) -> None:
    rows = [
        TITLE,
        [],
        MARKET_HEADER,
        [*market_row("X1")[:6], datetime(2025, 4, 1), "合格", ""],
        [*market_row("X2")[:6], 45658, "合格", ""],
    ]
    path = writer(tmp_path / f"book.{writer.__name__[-4:].lstrip('_')}", rows)
    result = loader.ingest(path)
    assert result.status == "loaded", result.error
    assert rows_of(
        con, "select sample_id, sampling_date, _row_number from raw.market_sampling order by 1"
    ) == [("X1", date(2025, 4, 1), 4), ("X2", date(2025, 1, 1), 5)]


def test_format_comes_from_bytes_not_the_name(tmp_path: Path, loader) -> None:
    real_xlsx = write_xlsx(tmp_path / "mislabelled.csv", [MARKET_HEADER, market_row("M1")])
    assert loader.ingest(real_xlsx).status == "loaded"


def test_header_variations_are_matched(tmp_path: Path, loader, con) -> None:
    header = [
        "抽样单编号",
        "抽查类别",
        "产品 名称",
        "受检\n单位",
        "县区",
        "监督抽查时间",
        "判定结果",
        "主要不合格项目",
    ]
    path = write_csv(
        tmp_path / "variants.csv",
        [header, ["V1", "工业产品", "电线", "某厂", "宜丰", "2025/3/5", "合格", "/"]],
    )
    assert loader.ingest(path).rows_loaded == 1
    assert rows_of(con, "select sampling_type, county_code from raw.market_sampling") == [
        ("industrial", "360924")
    ]


def test_verdict_from_file_name_when_no_verdict_column(tmp_path: Path, loader, con) -> None:
    header = ["抽样编号", "食品名称", "被抽样单位名称", "所属县区", "抽样日期"]
    row = ["F1", "大米", "某店", "袁州区", "2025-05-01"]
    passed = write_csv(tmp_path / "宜春市2025年第5期食品安全监督抽检合格信息.csv", [header, row])
    assert loader.ingest(passed).status == "loaded"
    assert rows_of(con, "select verdict, sampling_type from raw.market_sampling") == [
        ("pass", "food")
    ]


def test_file_name_that_says_neither_rejects_the_file(tmp_path: Path, loader, con) -> None:
    header = ["抽样编号", "食品名称", "被抽样单位名称", "所属县区", "抽样日期"]
    path = write_csv(
        tmp_path / "2025年第5期食品抽检信息.csv", [header, ["F1", "米", "店", "袁州", "2025-05-01"]]
    )
    result = loader.ingest(path)
    assert (result.status, result.reject_rule) == ("rejected", "undecidable_from_name")
    assert "检验结论" in result.error
    assert rows_of(con, "select count(*) from raw.market_sampling") == [(0,)]


def test_county_derived_from_address_when_column_absent_or_blank(
    tmp_path: Path, loader, con
) -> None:
    rows = [
        MARKET_HEADER,
        market_row("C1", county="", address="江西省宜春市樟树市药都南大道88号"),
        market_row("C2", county="/", address="宜春市高安市瑞州路"),
        *good_market_rows(10),
    ]
    assert loader.ingest(write_csv(tmp_path / "c.csv", rows)).rows_loaded == 12
    assert rows_of(
        con,
        "select sample_id, county_code from raw.market_sampling where sample_id like 'C%' "
        "order by 1",
    ) == [("C1", "360982"), ("C2", "360983")]


def test_address_naming_no_county_quarantines_the_row(tmp_path: Path, loader, con) -> None:
    rows = [
        MARKET_HEADER,
        market_row("N1", county="", address="宜春市中山路1号"),
        *good_market_rows(10),
    ]
    result = loader.ingest(write_csv(tmp_path / "n.csv", rows))
    assert (result.rows_loaded, result.rows_quarantined) == (10, 1)
    assert rows_of(con, "select row_number, column_name, rule, value from audit.quarantine") == [
        (2, "county_code", "unknown_county", "宜春市中山路1号")
    ]


def test_announcement_date_stands_in_for_sampling_date(tmp_path: Path, loader, con) -> None:
    header = [
        "抽样编号",
        "抽检类型",
        "食品名称",
        "被抽样单位",
        "县区",
        "检验结论",
        "公告日期",
        "抽样日期",
    ]
    rows = [
        header,
        ["D1", "食品", "米", "店", "袁州", "合格", "2025-06-30", ""],
        ["D2", "食品", "米", "店", "袁州", "合格", "", ""],
        *[[f"G{i}", "食品", "米", "店", "袁州", "合格", "", "2025-01-02"] for i in range(10)],
    ]
    result = loader.ingest(write_csv(tmp_path / "d.csv", rows))
    assert (result.rows_loaded, result.rows_quarantined) == (11, 1)
    assert rows_of(con, "select sampling_date from raw.market_sampling where sample_id = 'D1'") == [
        (date(2025, 6, 30),)
    ]
    assert rows_of(con, "select rule, column_name from audit.quarantine") == [
        ("required_missing", "sampling_date")
    ]


@pytest.mark.parametrize("sep", ["║", "‖", "||", "|", "｜", "丨"])
def test_failed_items_split_on_every_separator(tmp_path: Path, loader, con, sep: str) -> None:
    items = f"吡虫啉{sep}7.47mg/kg{sep}≤0.2mg/kg；镉{sep}0.3{sep}0.2;铅{sep}1{sep}0.5\n苯甲酸{sep}2{sep}1"
    rows = [MARKET_HEADER, market_row("I1", verdict="不合格", items=items), *good_market_rows(5)]
    loader.ingest(write_csv(tmp_path / "i.csv", rows))
    assert rows_of(
        con,
        "select item_seq, item, measured_text, limit_text "
        "from raw.market_sampling_failed_items order by 1",
    ) == [
        (1, "吡虫啉", "7.47mg/kg", "≤0.2mg/kg"),
        (2, "镉", "0.3", "0.2"),
        (3, "铅", "1", "0.5"),
        (4, "苯甲酸", "2", "1"),
    ]


def test_fail_verdict_cell_carries_failed_items(tmp_path: Path, loader, con) -> None:
    rows = [
        MARKET_HEADER,
        market_row("V1", verdict="不合格：吡虫啉‖7.47mg/kg‖≤0.2mg/kg"),
        *good_market_rows(5),
    ]
    assert loader.ingest(write_csv(tmp_path / "v.csv", rows)).rows_quarantined == 0
    assert rows_of(con, "select item, measured_text from raw.market_sampling_failed_items") == [
        ("吡虫啉", "7.47mg/kg")
    ]


def test_verdicts_inconsistent_with_failed_items_are_quarantined(
    tmp_path: Path, loader, con
) -> None:
    rows = [
        MARKET_HEADER,
        market_row("B1", verdict="不合格", items="未发现不合格项目"),
        market_row("B2", verdict="合格", items="铅║1║0.5"),
        *good_market_rows(10),
    ]
    result = loader.ingest(write_csv(tmp_path / "b.csv", rows))
    assert result.rows_quarantined == 2
    reasons = rows_of(con, "select rule, reason_zh from audit.quarantine order by row_number")
    assert [r[0] for r in reasons] == ["verdict_inconsistent"] * 2
    assert "未列出不合格项目" in reasons[0][1] and "列有不合格项目" in reasons[1][1]


def test_same_bytes_twice_load_once(tmp_path: Path, loader, con) -> None:
    path = write_csv(tmp_path / "a.csv", [MARKET_HEADER, *good_market_rows(3)])
    copy = tmp_path / "copy of a.csv"
    copy.write_bytes(path.read_bytes())
    assert loader.ingest(path).status == "loaded"
    assert loader.ingest(copy).status == "duplicate"
    assert rows_of(con, "select count(*) from raw.market_sampling") == [(3,)]
    assert rows_of(con, "select status from audit.file_manifest order by load_id") == [
        ("loaded",),
        ("duplicate",),
    ]


def test_corrected_reexport_supersedes_but_keeps_history(tmp_path: Path, loader, con) -> None:
    first = write_csv(tmp_path / "v1.csv", [MARKET_HEADER, market_row("K1"), market_row("K2")])
    fixed = write_csv(
        tmp_path / "v2.csv", [MARKET_HEADER, market_row("K1", verdict="不合格", items="铅║1║0.5")]
    )
    loader.ingest(first)
    loader.ingest(fixed)
    assert rows_of(con, "select count(*) from raw.market_sampling where sample_id = 'K1'") == [(2,)]
    latest = rows_of(
        con,
        """select sample_id, verdict from raw.market_sampling
                             qualify row_number() over (partition by sample_id order by _load_id desc) = 1
                             order by 1""",
    )
    assert latest == [("K1", "fail"), ("K2", "pass")]


def test_duplicate_keys_within_a_file(tmp_path: Path, loader, con) -> None:
    rows = [
        MARKET_HEADER,
        market_row("D1"),
        market_row("D1"),
        market_row("D2"),
        market_row("D2", verdict="不合格", items="铅║1║0.5"),
        *good_market_rows(20),
    ]
    result = loader.ingest(write_csv(tmp_path / "dup.csv", rows))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (24, 21, 3)
    assert rows_of(con, "select row_number, rule from audit.quarantine order by 1") == [
        (3, "duplicate_row"),
        (4, "duplicate_key"),
        (5, "duplicate_key"),
    ]
    assert rows_of(con, "select count(*) from raw.market_sampling_failed_items") == [(0,)]


def test_row_over_threshold_rejects_whole_file(tmp_path: Path, loader, con) -> None:
    rows = [
        MARKET_HEADER,
        *good_market_rows(7),
        *[market_row(f"E{i}", date="2025-13-45") for i in range(3)],
    ]
    result = loader.ingest(write_csv(tmp_path / "bad.csv", rows))
    assert (result.status, result.reject_rule) == ("rejected", "over_threshold")
    assert "30%" in result.error
    assert rows_of(con, "select count(*) from raw.market_sampling") == [(0,)]
    assert rows_of(con, "select count(*) from audit.quarantine") == [(0,)]


def test_dates_before_2000_quarantine_the_row(tmp_path: Path, loader, con) -> None:
    rows = [MARKET_HEADER, market_row("T2", date="1999-05-01"), *good_market_rows(10)]
    loader.ingest(write_csv(tmp_path / "t.csv", rows))
    assert rows_of(con, "select rule, value from audit.quarantine") == [
        ("date_out_of_range", "1999-05-01")
    ]


def test_a_sampling_date_after_the_load_day_rejects_the_file(tmp_path: Path, loader, con) -> None:
    rows = [MARKET_HEADER, market_row("T1", date="2026-01-01"), *good_market_rows(10)]
    result = loader.ingest(write_csv(tmp_path / "t.csv", rows))
    assert (result.status, result.reject_rule) == ("rejected", "future_dates")
    assert "2026-01-01" in result.error
    assert rows_of(con, "select count(*) from raw.market_sampling") == [(0,)]


def test_malformed_row_is_quarantined_and_numbers_stay_right(tmp_path: Path, loader, con) -> None:
    rows = [MARKET_HEADER, market_row("R1"), [*market_row("R2"), "extra"], *good_market_rows(10)]
    result = loader.ingest(write_csv(tmp_path / "m.csv", rows))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (12, 11, 1)
    assert rows_of(con, "select row_number, rule from audit.quarantine") == [(3, "malformed_row")]
    assert rows_of(
        con, "select _row_number from raw.market_sampling where sample_id = 'G0000'"
    ) == [(4,)]


def test_blank_and_repeated_header_rows_are_not_data(tmp_path: Path, loader) -> None:
    rows = [MARKET_HEADER, market_row("H1"), [""] * 9, MARKET_HEADER, market_row("H2")]
    result = loader.ingest(write_csv(tmp_path / "h.csv", rows))
    assert (result.rows_read, result.rows_loaded, result.rows_skipped) == (2, 2, 2)


def test_overlong_cell_quarantines_row(tmp_path: Path, loader, con) -> None:
    long_row = market_row("L1")
    long_row[2] = "芹" * 10_000
    loader.ingest(write_csv(tmp_path / "l.csv", [MARKET_HEADER, long_row, *good_market_rows(10)]))
    assert rows_of(con, "select rule, column_name from audit.quarantine") == [
        ("value_too_long", "product_name")
    ]
