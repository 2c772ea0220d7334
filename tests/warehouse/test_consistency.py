"""The invariants crash tests rely on are checked by one function that can say no."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv
from warehouse.consistency import inconsistencies


def test_a_warehouse_after_loads_is_consistent(loader, con, tmp_path: Path) -> None:
    rows = [MARKET_HEADER, *good_market_rows(8), market_row("B1", county="火星")]
    loader.ingest(write_csv(tmp_path / "a.csv", rows))
    loader.ingest(write_csv(tmp_path / "b.csv", rows))  # a duplicate: not loaded twice
    assert inconsistencies(con) == []


def test_a_lost_row_is_found(loader, con, tmp_path: Path) -> None:
    loader.ingest(write_csv(tmp_path / "a.csv", [MARKET_HEADER, *good_market_rows(5)]))
    con.execute("delete from raw.market_sampling where _row_number = 3")
    [problem] = inconsistencies(con)
    assert "manifest says read 5, loaded 5" in problem and "holds 4" in problem


def test_rows_of_no_loaded_file_are_found(loader, con, tmp_path: Path) -> None:
    loader.ingest(write_csv(tmp_path / "a.csv", [MARKET_HEADER, *good_market_rows(5)]))
    con.execute("update audit.file_manifest set status = 'rejected'")
    assert "raw.market_sampling: 5 rows of no loaded file" in inconsistencies(con)


def test_an_empty_warehouse_is_consistent(con) -> None:
    assert inconsistencies(con) == []
