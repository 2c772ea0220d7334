"""Soak: many files of every source and defect dropped at once, all through the Airflow DAGs.

Used by `make bench` (200 files, files per minute) and by tests/reliability/test_soak.py (a
smaller drop in CI). Each batch of generated exports (one `generate_exports` run, a different
seed each) is dropped into the landing folders with a prefix, so names never collide; then
every ingestion DAG runs once with `dag.test()` and the warehouse is checked: every dropped
file has an outcome, every file left landing, and rows read = loaded + quarantined for every
loaded file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from qcity.settings import bench_soak_files, bench_soak_rows, soak_json


@dataclass
class SoakResult:
    files: int
    seconds: float
    outcomes: dict[str, int]
    conservation_failures: list[str]
    left_in_landing: list[str]

    @property
    def files_per_minute(self) -> float:
        return 60.0 * self.files / self.seconds


def _drop(exports: Path, landing: Path, prefix: str, start: float) -> int:
    manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    for i, entry in enumerate(manifest["files"]):
        folder = entry["source"] or "_unsorted"
        target = landing / folder / f"{prefix}{Path(entry['path']).name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exports / entry["path"], target)
        os.utime(target, (start + i, start + i))
    return len(manifest["files"])


def run_soak(target_files: int, rows: int = 600, workdir: Path | None = None) -> SoakResult:
    """Drop about `target_files` files at once and ingest them through the DAGs."""
    tmp = Path(tempfile.mkdtemp(prefix="qcity-soak-", dir=workdir))
    os.environ.update(
        {
            "QCITY_LANDING": str(tmp / "landing"),
            "QCITY_WAREHOUSE": str(tmp / "w.duckdb"),
            "QCITY_BUILD_DIR": str(tmp / "build"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        }
    )
    from orchestration.local_airflow import configure, ensure_pool, load_dags, prepare

    env = configure()
    prepare(env, pool=False)
    ensure_pool(env)
    from orchestration.dag_settings import landing_folders
    from sample_data import generate_exports

    dropped, seed, start = 0, 0, time.time() - 3600
    while dropped < target_files:
        exports = tmp / f"exports{seed}"
        generate_exports(exports, rows=rows, seed=1000 + seed)
        dropped += _drop(exports, tmp / "landing", f"s{seed:02d}_", start + dropped)
        seed += 1
    dags = load_dags()
    started = time.perf_counter()
    for spec in landing_folders():
        dags[spec.dag_id].test()
    seconds = time.perf_counter() - started
    con = duckdb.connect(str(tmp / "w.duckdb"), read_only=True)
    try:
        outcomes = dict(
            con.execute("select status, count(*) from audit.file_manifest group by 1").fetchall()
        )
        broken = [
            r[0]
            for r in con.execute(
                "select file_name from audit.file_manifest where status = 'loaded' "
                "and rows_read <> rows_loaded + rows_quarantined"
            ).fetchall()
        ]
    finally:
        con.close()
    left = [str(p.relative_to(tmp)) for p in (tmp / "landing").rglob("*") if p.is_file()]
    shutil.rmtree(tmp, ignore_errors=True)
    return SoakResult(dropped, seconds, outcomes, broken, left)


def main() -> None:
    """Run in its own process: the soak configures Airflow and the folders through the env."""
    files = bench_soak_files()
    rows = bench_soak_rows()
    result = run_soak(files, rows)
    if soak_json():
        print(json.dumps({**result.__dict__, "files_per_minute": result.files_per_minute}))
        return
    print(
        f"soak: {result.files} files dropped at once, all ingested through the DAGs in "
        f"{result.seconds:.0f} s = {result.files_per_minute:.0f} files/min; outcomes "
        f"{result.outcomes}; conservation failures {len(result.conservation_failures)}; "
        f"left in landing {len(result.left_in_landing)}"
    )


if __name__ == "__main__":
    main()
