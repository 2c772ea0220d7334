"""Small files through the real Airflow: 200 files dropped at once, loaded by the scheduler.

What `make airflow` runs, minus the UI's browser: the api-server, the scheduler with the
project's executor (`orchestration.local_airflow`: LocalExecutor, SQLite) and the
dag-processor, as separate processes. `QCITY_BENCH_SOAK_FILES` (default 200) small
market_sampling CSVs (`QCITY_BENCH_SMALL_ROWS` rows each, default 20) are dropped into
`landing/market_sampling/` at once, one run of the ingestion DAG is triggered through the
REST API, and the figure is files per minute from the trigger to the run's success
(target ≥ 60). Every file must end loaded; the warehouse is checked once Airflow is gone.

`QCITY_BENCH_CHUNKS` (default `1,25`) lists the chunk sizes measured side by side, one
fresh Airflow each (`QCITY_INGEST_CHUNK_FILES`: 1 is a task per file, as before chunks);
`size:files` measures that size on another number of files (`1:60,25:60,25:200`).

`QCITY_BENCH_EXECUTOR=LocalExecutor` measures Airflow's plain LocalExecutor instead, for
the side-by-side figure (task processes that import Great Expectations each time).

    python -m benchmarks.airflow_landing
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.local_airflow import airflow_env
from qcity.settings import bench_chunks, bench_executor, bench_small_rows, bench_soak_files
from tests.airflow.services import API_USER, Topology, free_port

DAG_ID = "qcity_ingest_market_sampling"
PROCESSES = {
    "api-server": ["api-server", "--port", "{api_port}"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
}


class LocalTopology(Topology):
    """`make airflow`'s processes (SQLite, the project's LocalExecutor), one per component."""

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        return {
            **keep,
            **airflow_env(self.home),
            **self.qcity_env,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api}/execution/",
            "AIRFLOW__API__BASE_URL": self.api,
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{API_USER}:admin",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            # Runs come from the REST API only: the trigger is the start of the clock.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            **({"AIRFLOW__CORE__EXECUTOR": bench_executor()} if bench_executor() else {}),
        }

    def start(self) -> None:
        import subprocess

        self.home.mkdir(parents=True, exist_ok=True)
        self._env = self.env()
        self.airflow("db", "migrate", timeout=600)
        self.airflow("pools", "set", "qcity_warehouse", "1", "DuckDB: one writer", timeout=120)
        for name, args in PROCESSES.items():
            log = (self.base / f"{name}.log").open("w")
            self.processes[name] = subprocess.Popen(
                [self._airflow_bin(), *(a.format(api_port=self.api_port) for a in args)],
                env=self._env,
                cwd=self.base,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for("the api-server", self._api_up, timeout=300)

    def _delete_keys(self) -> None:  # no Redis here
        return


def drop_files(landing: Path, files: int, rows: int) -> int:
    """`files` small exports written beside the landing folder, then moved in at once."""
    from sample_data.market import write_market_sampling_csv

    staging = landing.parent / ".staging"
    staging.mkdir(parents=True, exist_ok=True)
    landing.mkdir(parents=True, exist_ok=True)
    old = time.time() - 3600  # older than the landing folder's "still being written" wait
    for i in range(files):
        path = staging / f"第{i + 1:03d}批抽检.csv"
        write_market_sampling_csv(path, rows, seed=1000 + i, batch=i + 1)
        os.utime(path, (old + i, old + i))
    for path in sorted(staging.iterdir()):
        path.rename(landing / path.name)
    return files * rows


def run(files: int, rows: int, chunk_files: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="qcity-landing-bench-") as tmp:
        base = Path(tmp)
        qcity_env = {
            "QCITY_WAREHOUSE": str(base / "qcity.duckdb"),
            "QCITY_LANDING": str(base / "landing"),
            "QCITY_BUILD_DIR": str(base / "build"),
            "QCITY_INGEST_CHUNK_FILES": str(chunk_files),
        }
        from orchestration.dbt_manifest import ensure_manifest

        ensure_manifest()  # the project's own, parsed again only when stale
        topology = LocalTopology(base, qcity_env)
        started = time.monotonic()
        try:
            topology.start()
            topology.wait_for(f"{DAG_ID} to be parsed", lambda: topology.dag_parsed(DAG_ID), 300)
            drop_files(base / "landing" / "market_sampling", files, rows)
            ready = time.monotonic() - started
            t0 = time.monotonic()
            run_id = topology.trigger(DAG_ID)
            state = topology.wait_for_run(DAG_ID, run_id, timeout=3600)
            seconds = time.monotonic() - t0
            tasks = topology.task_states(DAG_ID, run_id)
            timing = task_timing(topology, run_id)
        finally:
            logs = topology.logs_tail()
            topology.stop()
        assert state == "success", f"{DAG_ID}: {state}\n{logs}"
        con = duckdb.connect(str(base / "qcity.duckdb"), read_only=True)
        statuses = dict(
            con.execute("select status, count(*) from audit.file_manifest group by 1").fetchall()
        )
        con.close()
    return {
        "files": files,
        "rows_per_file": rows,
        "chunk_files": chunk_files,
        "executor": topology._env["AIRFLOW__CORE__EXECUTOR"],
        "seconds": seconds,
        "files_per_minute": files * 60 / seconds,
        "outcomes": statuses,
        "ingest_tasks": sum(k.startswith("ingest_files[") for k in tasks),
        "load_average": os.getloadavg(),
        "start_up_seconds": ready,
        **timing,
    }


def task_timing(topology: LocalTopology, run_id: str) -> dict[str, float]:
    """Where the run's time went: inside the ingest_files tasks, or between them (the
    scheduler noticing a free pool slot, queueing, the executor forking)."""
    from datetime import datetime
    from urllib.parse import quote

    found = topology.request(
        "GET",
        f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}/taskInstances?limit=1000",
    )["task_instances"]
    spans = sorted(
        (datetime.fromisoformat(t["start_date"]), datetime.fromisoformat(t["end_date"]))
        for t in found
        if t["task_id"] == "ingest_files" and t["start_date"] and t["end_date"]
    )
    others = {
        t["task_id"]: (
            datetime.fromisoformat(t["end_date"]) - datetime.fromisoformat(t["start_date"])
        ).total_seconds()
        for t in found
        if t["task_id"] in ("list_files", "summarize") and t["start_date"] and t["end_date"]
    }
    if not spans:
        return {}
    inside = [(end - start).total_seconds() for start, end in spans]
    gaps = [(b[0] - a[1]).total_seconds() for a, b in itertools.pairwise(spans)]
    return {
        "task_seconds_mean": sum(inside) / len(inside),
        "task_seconds_total": sum(inside),
        "gap_seconds_mean": sum(gaps) / len(gaps) if gaps else 0.0,
        **{f"{task}_seconds": seconds for task, seconds in others.items()},
    }


def report(result: dict) -> str:
    load = ", ".join(f"{x:.1f}" for x in result["load_average"])
    per_file = result.get("task_seconds_total", 0) / result["files"]
    return (
        f"{result['files']} files of {result['rows_per_file']} rows dropped at once, one run of "
        f"{DAG_ID} (real scheduler, {result['executor']}), "
        f"{result['chunk_files']} file(s) per task:\n"
        f"   {result['seconds']:.1f} s from trigger to success: "
        f"{result['files_per_minute']:.1f} files per minute (target ≥ 60)\n"
        f"   {result['ingest_tasks']} ingest_files tasks of "
        f"{result.get('task_seconds_mean', 0):.2f} s each ({per_file:.2f} s per file), "
        f"{result.get('gap_seconds_mean', 0):.2f} s between tasks; list_files "
        f"{result.get('list_files_seconds', 0):.1f} s, summarize (Data Docs, workbooks) "
        f"{result.get('summarize_seconds', 0):.1f} s\n"
        f"   outcomes {result['outcomes']}; Airflow start-up {result['start_up_seconds']:.0f} s "
        f"(not counted); load average at the end {load}"
    )


def sides(spec: str, files: int) -> list[tuple[int, int]]:
    """(chunk size, files) of each side: `25` or `25:200`, comma-separated."""
    found = []
    for part in spec.split(","):
        size, _, count = part.strip().partition(":")
        found.append((int(size), int(count) if count else files))
    return found


def main() -> None:
    import json

    from benchmarks.measure import ROOT

    files = bench_soak_files()
    rows = bench_small_rows()
    results = []
    for chunk_files, count in sides(bench_chunks(), files):
        results.append(run(count, rows, chunk_files))
        print(report(results[-1]), flush=True)
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "airflow_landing.json").write_text(
        json.dumps(results, indent=2)
    )


if __name__ == "__main__":
    main()
