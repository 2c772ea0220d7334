"""Four concurrent loads into a PostgreSQL warehouse, side by side with the same files
loaded one at a time into PostgreSQL and into DuckDB (issue 17).

Four market_sampling CSVs of `QCITY_BENCH_PG_ROWS` rows each (default 100,000; different
seeds, so four different files) are loaded three ways, each in fresh `qcity ingest`
processes as a user runs them, into a fresh warehouse:
- PostgreSQL, four processes at once (one file each);
- PostgreSQL, one process, the four files one after another;
- DuckDB, one process, the four files one after another (DuckDB has one writer process).
Wall time of each, and rows per second. Run: `python -m benchmarks.pg_concurrency`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.measure import ROOT
from qcity.settings import bench_pg_rows
from warehouse.postgres_copy import PostgresSettings, drop_database, ensure_database

DATA = ROOT / "benchmarks" / "data"
FILES = 4


def ensure_csvs(rows: int) -> list[Path]:
    """The benchmark files, generated once and kept under benchmarks/data (gitignored)."""
    from sample_data import write_market_sampling_csv

    DATA.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(FILES):
        path = DATA / f"market_sampling_{rows}_seed{seed}.csv"
        if not path.exists():
            part = path.with_suffix(".part")
            write_market_sampling_csv(part, rows, seed=100 + seed)
            part.rename(path)
        paths.append(path)
    return paths


def _ingest(warehouse: str, build: Path, files: list[Path]) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "QCITY_WAREHOUSE": warehouse,
        "QCITY_BUILD_DIR": str(build),
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "qcity.cli", "ingest", "--json", *map(str, files)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _timed(warehouse: str, work: Path, batches: list[list[Path]]) -> tuple[float, int]:
    """Wall seconds of the processes (one per batch, all started at once) and rows loaded."""
    started = time.perf_counter()
    procs = [_ingest(warehouse, work / f"build{i}", files) for i, files in enumerate(batches)]
    outputs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - started
    rows = 0
    for proc, (out, err) in zip(procs, outputs, strict=True):
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"qcity ingest failed ({proc.returncode}): {err[-2000:]}")
        rows += sum(json.loads(line)["rows_loaded"] for line in out.splitlines())
    return seconds, rows


def run(rows: int | None = None) -> dict[str, dict[str, float]]:
    rows = rows or bench_pg_rows()
    files = ensure_csvs(rows)
    base = PostgresSettings.from_env()
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="qcity-pgbench-") as tmp:
        work = Path(tmp)
        sides = {
            "postgres_4_concurrent": ("pg", [[f] for f in files]),
            "postgres_one_at_a_time": ("pg", [files]),
            "duckdb_one_at_a_time": ("duckdb", [files]),
        }
        for name, (engine, batches) in sides.items():
            side = work / name
            side.mkdir()
            if engine == "pg":
                settings = replace(base, dbname=f"qcity_bench_{os.getpid()}_{len(figures)}")
                ensure_database(settings)
                url = f"postgresql://{settings.user}@{settings.host}:{settings.port}/{settings.dbname}"
                try:
                    seconds, loaded = _timed(url, side, batches)
                finally:
                    drop_database(settings)
            else:
                seconds, loaded = _timed(str(side / "w.duckdb"), side, batches)
            figures[name] = {"seconds": round(seconds, 2), "rows": loaded,
                             "rows_per_second": round(loaded / seconds)}  # fmt: skip
            print(f"{name:24} {seconds:7.2f} s  {loaded:,} rows  {loaded / seconds:,.0f} rows/s")
    return figures


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
