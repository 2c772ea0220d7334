"""Files built to break validation: each is loaded, quarantined or rejected, never crashes."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv


def test_all_empty_columns_are_missing_values_not_errors(tmp_path: Path, loader, con) -> None:
    rows = [MARKET_HEADER, *[[r[0], r[1], "", "", "", "", "", "", ""] for r in good_market_rows(5)]]
    result = loader.ingest(write_csv(tmp_path / "empty_cols.csv", rows))
    assert (result.status, result.reject_rule) == ("rejected", "over_threshold")
    assert result.rejected_rows and result.rejected_rows[0]["rule"] == "required_missing"


def test_ten_thousand_character_cell(tmp_path: Path, loader, con) -> None:
    row = market_row("L1")
    row[3] = "某" * 10_000
    result = loader.ingest(
        write_csv(tmp_path / "long.csv", [MARKET_HEADER, row, *good_market_rows(9)])
    )
    assert (result.rows_loaded, result.rows_quarantined) == (9, 1)
    assert con.execute("select rule, column_name from audit.quarantine").fetchall() == [
        ("value_too_long", "sampled_unit")
    ]


def test_header_repeated_mid_file_is_skipped(tmp_path: Path, loader) -> None:
    rows = [MARKET_HEADER, *good_market_rows(3), MARKET_HEADER, *good_market_rows(3, prefix="H")]
    result = loader.ingest(write_csv(tmp_path / "repeat.csv", rows))
    assert (result.rows_read, result.rows_loaded, result.rows_skipped) == (6, 6, 1)


def test_formula_cells_are_read_as_their_values(tmp_path: Path, loader, con) -> None:
    path = tmp_path / "formulas.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, MARKET_HEADER)
    for i, row in enumerate(good_market_rows(5), start=1):
        sheet.write_row(i, 0, row)
    sheet.write_formula(1, 0, '="F"&"001"', None, "F001")
    sheet.write_formula(2, 6, "=DATE(2025,3,5)", None, 45721)
    book.close()
    result = loader.ingest(path)
    assert (result.status, result.rows_loaded) == ("loaded", 5), result.error
    ids = [
        r[0] for r in con.execute("select sample_id from raw.market_sampling order by 1").fetchall()
    ]
    assert "F001" in ids


def test_mixed_types_in_one_column(tmp_path: Path, loader, con) -> None:
    path = tmp_path / "mixed.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, MARKET_HEADER)
    rows = good_market_rows(9)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    sheet.write_number(1, 0, 2025001)  # a numeric sample id
    sheet.write_number(2, 6, 45721)  # a serial date among text dates
    sheet.write_boolean(3, 7, True)  # a boolean verdict
    book.close()
    result = loader.ingest(path)
    assert result.status == "loaded", result.error
    assert con.execute(
        "select count(*) from raw.market_sampling where sample_id = '2025001'"
    ).fetchone() == (1,)
    assert con.execute("select rule, value from audit.quarantine").fetchall() == [
        ("invalid_verdict", "TRUE")
    ]
