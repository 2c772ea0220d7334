"""SIGKILL a real `qcity ingest` at random moments: the warehouse holds each file whole or
not at all, and a re-run finishes the work without duplicates.

Iterations scale with QCITY_FAULT_ITERATIONS (default 6; CI keeps the default)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from sample_data import write_market_sampling_csv

ITERATIONS = int(os.environ.get("QCITY_FAULT_ITERATIONS", "6"))


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("exports")
    paths = []
    for i, rows in enumerate((30_000, 5_000, 60_000)):
        path = folder / f"批次{i}.csv"
        write_market_sampling_csv(path, rows, seed=i, defect_share=0.02)
        paths.append(path)
    return paths


def ingest(warehouse: Path, files: list[Path], build: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QCITY_WAREHOUSE": str(warehouse), "QCITY_BUILD_DIR": str(build)}
    return subprocess.Popen(
        [sys.executable, "-m", "qcity.cli", "ingest", "--json", "--wait", "30", *map(str, files)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_consistent(warehouse: Path) -> None:
    """Every loaded file is there whole; nothing is there without its manifest row."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        }
        if "audit.file_manifest" not in tables:
            assert not tables, f"half-made warehouse: {sorted(tables)}"
            return
        loaded = con.execute(
            "select load_id, rows_read, rows_loaded, rows_quarantined "
            "from audit.file_manifest where status = 'loaded'"
        ).fetchall()
        for load_id, read, rows_loaded, quarantined in loaded:
            in_raw = con.execute(
                "select count(*) from raw.market_sampling where _load_id = ?", [load_id]
            ).fetchone()[0]
            in_quarantine = con.execute(
                "select count(*) from audit.quarantine where load_id = ?", [load_id]
            ).fetchone()[0]
            assert (in_raw, in_quarantine) == (rows_loaded, quarantined)
            assert read == rows_loaded + quarantined
        orphans = con.execute("""
            select count(*) from raw.market_sampling r
            where not exists (select 1 from audit.file_manifest m
                              where m.load_id = r._load_id and m.status = 'loaded')""").fetchone()[
            0
        ]
        assert orphans == 0
        twice = con.execute(
            "select file_sha256 from audit.file_manifest where status = 'loaded' "
            "group by 1 having count(*) > 1"
        ).fetchall()
        assert twice == []
    finally:
        con.close()


@pytest.mark.slow
def test_sigkill_at_random_points_never_half_loads(tmp_path: Path, exports: list[Path]) -> None:
    rng = random.Random(int(os.environ.get("QCITY_FAULT_SEED", "20251124")))
    warehouse = tmp_path / "w.duckdb"
    build = tmp_path / "build"
    kills = 0
    for _ in range(ITERATIONS):
        proc = ingest(warehouse, exports, build)
        time.sleep(rng.uniform(0.5, 9.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=60)
        if warehouse.exists():
            assert_consistent(warehouse)
    final = ingest(warehouse, exports, build)
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    assert_consistent(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    loaded = con.execute(
        "select count(distinct file_sha256) from audit.file_manifest where status = 'loaded'"
    ).fetchone()[0]
    total = con.execute(
        "select sum(rows_read) from audit.file_manifest where status = 'loaded'"
    ).fetchone()[0]
    con.close()
    assert loaded == len(exports)
    assert total == 95_000
    assert kills > 0, "no iteration was killed mid-run; widen the kill window"
