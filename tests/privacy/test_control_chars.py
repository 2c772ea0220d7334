"""A NUL byte in a cell: removed and counted while parsing, so PostgreSQL takes the rows.

PostgreSQL refuses NUL in any text value ("invalid byte sequence for encoding UTF8: 0x00");
before, one such cell passed validation and then blocked `qcity build --target postgres`
and `qcity publish --postgres` until someone deleted rows by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingestion.normalize.text import clean_text
from qcity.cli import app
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv
from tests.dbt.conftest import dbt_paths, qcity_build
from tests.postgres import postgres_rows, throwaway_database, throwaway_reader_role
from warehouse.load import Loader
from warehouse.postgres_copy import PostgresSettings


def test_clean_text_drops_control_characters_but_keeps_line_breaks() -> None:
    assert clean_text("芹\x00菜") == "芹菜"
    assert clean_text("a\x07b\x1fc\x7fd\x85e") == "abcde"
    assert clean_text("第一行\n第二行\t完") == "第一行\n第二行\t完"


@pytest.fixture
def pg_settings() -> Iterator[PostgresSettings]:
    yield from throwaway_database("qcity_privacy_nul")


@pytest.fixture
def reader_role(pg_settings: PostgresSettings) -> Iterator[str]:
    """A reader role of this test's own (roles are server-wide)."""
    yield from throwaway_reader_role(pg_settings, "nul")


def test_a_nul_byte_in_a_cell_reaches_postgres_without_it(
    tmp_path: Path,
    loader: Loader,
    con: duckdb.DuckDBPyConnection,
    warehouse_file: Path,
    pg_settings: PostgresSettings,
    reader_role: str,
) -> None:
    nul_product = market_row("N1")
    nul_product[2] = "芹\x00菜"
    nul_unit = market_row("N2")
    nul_unit[3] = "某某\x00超市\x01"
    bad_date = market_row("N3", date="2025-13-\x0001")  # quarantined: its value goes to audit too
    path = write_csv(
        tmp_path / "抽检.csv",
        [MARKET_HEADER, nul_product, nul_unit, bad_date, *good_market_rows(20)],
    )
    result = loader.ingest(path)
    assert result.status == "loaded", result.error
    assert (result.rows_loaded, result.rows_quarantined) == (22, 1)
    assert result.control_chars_removed == 4
    assert con.execute(
        "select product_name, sampled_unit from raw.market_sampling where sample_id in "
        "('N1', 'N2') order by sample_id"
    ).fetchall() == [("芹菜", "某某超市"), ("芹菜", "某某超市")]
    assert con.execute(
        "select control_chars_removed from audit.file_manifest where load_id = ?",
        [result.load_id],
    ).fetchall() == [(4,)]
    assert con.execute(
        "select count(*) from audit.quarantine where value like '%\x00%'"
    ).fetchall() == [(0,)]
    con.close()

    env = {
        "QCITY_PG_DBNAME": pg_settings.dbname,
        "QCITY_BI_READER_ROLE": reader_role,
        "QCITY_SERVING_DIR": str(tmp_path / "serving"),
    }
    with dbt_paths(tmp_path / "dbt"):
        qcity_build(warehouse_file, "--target", "postgres", env=env)
        qcity_build(warehouse_file, env=env)
    published = CliRunner().invoke(
        app,
        [
            "publish",
            "--postgres",
            "--warehouse",
            str(warehouse_file),
            "--report-dir",
            str(tmp_path / "report"),
        ],
        env={**os.environ, **env},
    )
    assert published.exit_code == 0, published.output
    assert postgres_rows(
        pg_settings, "select product_name from marts.fct_market_samples where sample_id = 'N1'"
    ) == [("芹菜",)]
