"""A 200,000-row CSV with three rows of one cell too many, deep inside, loads every time.

DuckDB's fast reader meets the misfit rows mid-stream on its own threads, and what reaches
us then (a bare `OSError` from Arrow, a `duckdb.Error`) varied: the file used to be
rejected whole. Twelve copies (one byte apart, so none is a duplicate) go through the CLI
and twelve through the landing flow of the ingestion DAG; each must load with exactly the
three rows quarantined, by their row numbers.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.folders import Folders
from orchestration.ingest import ingest_listed, run_outcomes
from orchestration.landing import list_ready
from tests.conftest import MARKET_HEADER, market_row

ROWS = 200_000
#: row numbers as the clerk sees them in Excel (the header is row 1)
MISFITS = (110_001, 150_000, 199_000)
COPIES = 12


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """One generated file and eleven copies differing in one character of row 2."""
    folder = tmp_path_factory.mktemp("misfit")
    first = folder / "抽检汇总_00.csv"
    with first.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(MARKET_HEADER)
        for i in range(ROWS):
            row = market_row(f"S{i:07d}")
            writer.writerow([*row, "多余"] if i + 2 in MISFITS else row)
    data = first.read_bytes()
    assert data.count(b",S0000000,") == 0 and b"\nS0000000," in data
    paths = [first]
    for n in range(1, COPIES):
        path = folder / f"抽检汇总_{n:02d}.csv"
        path.write_bytes(data.replace(b"\nS0000000,", f"\nX{n:07d},".encode(), 1))
        paths.append(path)
    return paths


def quarantined(con: duckdb.DuckDBPyConnection, load_id: int) -> list[tuple[int, str]]:
    return con.execute(
        "select row_number, rule from audit.quarantine where load_id = ? order by 1", [load_id]
    ).fetchall()


def test_twelve_out_of_twelve_through_the_cli(tmp_path: Path, copies: list[Path]) -> None:
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "QCITY_WAREHOUSE": str(warehouse)}
    run = subprocess.run(
        [sys.executable, "-m", "qcity.cli", "ingest", "--json", *map(str, copies)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    lines = [json.loads(x) for x in run.stdout.splitlines()]
    assert [
        (x["status"], x["rows_read"], x["rows_loaded"], x["rows_quarantined"]) for x in lines
    ] == [("loaded", ROWS, ROWS - 3, 3)] * COPIES
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for (load_id,) in con.execute("select load_id from audit.file_manifest").fetchall():
            assert quarantined(con, load_id) == [(n, "malformed_row") for n in MISFITS]


def test_twelve_out_of_twelve_through_the_landing_flow(
    tmp_path: Path, copies: list[Path], con: duckdb.DuckDBPyConnection
) -> None:
    folders = Folders(tmp_path / "landing", tmp_path / "archive", tmp_path / "rejected")
    landing = folders.landing_dir("market_sampling")
    landing.mkdir(parents=True)
    settled = time.time() - 600
    for i, path in enumerate(copies):
        target = landing / path.name
        target.write_bytes(path.read_bytes())
        os.utime(target, (settled + i, settled + i))
    listing = list_ready(folders, "market_sampling", settle=5).ready
    assert len(listing) == COPIES
    # the last file's task handles every earlier one first, as in the ingestion DAG
    ingest_listed(con, folders, "run-misfit", listing, COPIES - 1)
    outcomes = run_outcomes(con, "run-misfit", "market_sampling")
    assert [(o.status, o.rows_loaded, o.rows_quarantined) for o in outcomes] == [
        ("loaded", ROWS - 3, 3)
    ] * COPIES
    for outcome in outcomes:
        assert quarantined(con, outcome.load_id) == [(n, "malformed_row") for n in MISFITS]
    assert list(landing.iterdir()) == []
    assert not folders.rejected.exists() or not any(folders.rejected.rglob("*.csv"))
    assert con.execute("select count(*) from audit.alert_outbox").fetchone() == (0,)
