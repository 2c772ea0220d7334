"""File-level problems: the file is rejected with one sentence and the warehouse is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MARKET_HEADER, good_market_rows, write_csv, write_xlsx


def raw_counts(con) -> list[int]:
    tables = [
        "market_sampling",
        "market_sampling_failed_items",
        "agri_testing",
        "construction_acceptance",
        "indicator_reports",
    ]
    return [con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables] + [
        con.execute("select count(*) from audit.quarantine").fetchone()[0]
    ]


def assert_rejected(loader, con, path: Path, rule: str, *words: str) -> None:
    before = raw_counts(con)
    result = loader.ingest(path)
    assert (result.status, result.reject_rule) == ("rejected", rule), result.error
    assert path.name in result.error and path.name in result.error_en
    assert "\n" not in result.error and "Traceback" not in result.error
    for word in words:
        assert word in result.error
    assert raw_counts(con) == before
    manifest = con.execute(
        "select status, error from audit.file_manifest where load_id = ?", [result.load_id]
    ).fetchone()
    assert manifest == ("rejected", result.error)


def test_empty_file(tmp_path: Path, loader, con) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert_rejected(loader, con, path, "empty")


def test_truncated_workbook(tmp_path: Path, loader, con) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", [MARKET_HEADER, *good_market_rows(50)]).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert_rejected(loader, con, path, "unreadable")


def test_missing_required_column_is_named(tmp_path: Path, loader, con) -> None:
    header = [h for h in MARKET_HEADER if h != "食品名称"]
    rows = [header, *[r[:2] + r[3:] for r in good_market_rows(5)]]
    assert_rejected(
        loader, con, write_csv(tmp_path / "nocol.csv", rows), "missing_required_columns", "食品名称"
    )


def test_header_only(tmp_path: Path, loader, con) -> None:
    assert_rejected(
        loader, con, write_csv(tmp_path / "header.csv", [MARKET_HEADER]), "no_data_rows"
    )


def test_unknown_headers(tmp_path: Path, loader, con) -> None:
    path = write_csv(tmp_path / "other.csv", [["姓名", "电话"], ["张三", "123"]])
    assert_rejected(loader, con, path, "unknown_source")


def test_wrong_source_requested(tmp_path: Path, loader, con) -> None:
    path = write_csv(tmp_path / "market.csv", [MARKET_HEADER, *good_market_rows(3)])
    before = raw_counts(con)
    result = loader.ingest(path, source="construction_acceptance")
    assert (result.status, result.reject_rule) == ("rejected", "wrong_source")
    assert raw_counts(con) == before


def test_mixed_encodings(tmp_path: Path, loader, con) -> None:
    path = write_csv(tmp_path / "mixed.csv", [MARKET_HEADER, *good_market_rows(5)])
    with path.open("ab") as fh:
        fh.write("G9999,食品,芹菜,某店,,袁州区,2025-03-05,合格,\r\n".encode("gbk"))
    assert_rejected(loader, con, path, "encoding")


def test_html_saved_as_xls(tmp_path: Path, loader, con) -> None:
    path = tmp_path / "export.xls"
    path.write_text("<html><table><tr><td>抽样编号</td></tr></table></html>", encoding="utf-8")
    assert_rejected(loader, con, path, "unsupported_format")


@pytest.mark.parametrize("share", [0.25, 0.5])
def test_over_threshold(tmp_path: Path, loader, con, share: float) -> None:
    bad = int(20 * share)
    rows = [
        MARKET_HEADER,
        *good_market_rows(20 - bad),
        *[[*r[:6], "not a date", *r[7:]] for r in good_market_rows(bad, prefix="B")],
    ]
    assert_rejected(loader, con, write_csv(tmp_path / "bad.csv", rows), "over_threshold")


def test_rejection_is_recorded_and_rows_conserved_for_loads(tmp_path: Path, loader, con) -> None:
    good = write_csv(
        tmp_path / "good.csv",
        [MARKET_HEADER, *good_market_rows(9), [*good_market_rows(1)[0][:6], "bad", "合格", ""]],
    )
    result = loader.ingest(good)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined == 10
