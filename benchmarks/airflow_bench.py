"""Airflow benchmark: DAG parse time per file, and the demo pipeline through Airflow vs the CLI.

`main()` prints three tables:

1. parse time of each file in `dags/`, as the dag-processor pays it: a fresh process with
   Airflow already imported parses one file into a DagBag (best of three; target < 0.5 s);
2. the demo pipeline (generated exports, `--rows`, default 3000) through Airflow with
   `dag.test()` (every ingestion DAG, the warehouse DAG, the freshness DAG), against the
   same steps from the command line (`qcity ingest` per source in delivery order, then
   `qcity build`); target: Airflow under 2x the CLI;
3. the warehouse DAG alone in Cosmos's two execution modes on the same loaded warehouse
   with no build recorded (so both build the whole project): `watcher` (one `dbt build`,
   every model still a task) and `local` (one dbt run per model, seed and test task, one
   at a time in the warehouse pool); and `watcher` again on the day after, when no file
   came (the build covers only what is judged as of the day; the other tasks are skipped).

Each measurement runs in its own process with its own AIRFLOW_HOME, warehouse and folders
under a temporary directory; nothing of the project's own data is touched.
    python -m benchmarks.airflow_bench [--rows N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags"
PARSE_TARGET_S = 0.5

_PARSE_ONE = """
import os, sys, time
from orchestration.local_airflow import configure
configure()
import airflow, airflow.sdk  # the dag-processor has these already
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(sys.argv[1])
elapsed = time.perf_counter() - started
assert not bag.import_errors, bag.import_errors
print(elapsed)
"""


def _env(base: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(base / "airflow"),
        "QCITY_WAREHOUSE": str(base / "qcity.duckdb"),
        "QCITY_LANDING": str(base / "landing"),
        "QCITY_BUILD_DIR": str(base / "build"),
        "QCITY_DBT_MANIFEST_DIR": str(base / "dbt"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        **extra,
    }


def _python(args: list[str], env: dict[str, str], timeout: float = 1800) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def prepare(base: Path) -> None:
    """Migrated Airflow database, pool and dbt manifest for this base."""
    _python(["-m", "orchestration.local_airflow", "prepare"], _env(base))


def parse_times(base: Path, repeats: int = 3) -> dict[str, float]:
    env = _env(base)
    times = {}
    for path in sorted(DAGS.glob("*.py")):
        runs = [
            float(_python(["-c", _PARSE_ONE, str(path)], env).strip().splitlines()[-1])
            for _ in range(repeats)
        ]
        times[path.name] = min(runs)
    return times


# -- the pipeline through Airflow, in a child process (role "airflow") -------------------------


def _airflow_role(exports: Path, mode: str) -> dict[str, float]:
    from orchestration.local_airflow import configure

    configure()
    import airflow  # noqa: F401  (configured above: the pool is made in this process)

    from orchestration.dag_settings import landing_folders
    from orchestration.folders import Folders
    from orchestration.local_airflow import ensure_pool, load_dags
    from qcity.demo import drop_into_landing

    ensure_pool()
    drop_into_landing(exports, Folders.from_env(), 10)
    started = time.perf_counter()
    dags = load_dags()
    timings = {"parse all DAG files": time.perf_counter() - started}
    for spec in landing_folders():
        t = time.perf_counter()
        run = dags[spec.dag_id].test()
        assert str(run.state).endswith("success"), spec.dag_id
        timings[spec.dag_id] = time.perf_counter() - t
    t = time.perf_counter()
    run = dags["qcity_warehouse"].test()
    assert str(run.state).endswith("success"), "qcity_warehouse"
    timings[f"qcity_warehouse ({mode})"] = time.perf_counter() - t
    t = time.perf_counter()
    dags["qcity_freshness"].test()
    timings["qcity_freshness"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return timings


def _warehouse_role(mode: str, label: str) -> dict[str, float]:
    from orchestration.local_airflow import configure

    configure()
    import airflow  # noqa: F401

    from orchestration.local_airflow import ensure_pool, load_dags

    ensure_pool()
    dag = load_dags(["qcity_warehouse"])["qcity_warehouse"]
    started = time.perf_counter()
    run = dag.test()
    assert str(run.state).endswith("success"), f"qcity_warehouse in {mode} mode"
    return {f"qcity_warehouse ({label})": time.perf_counter() - started, "tasks": len(dag.tasks)}


# -- the same steps from the command line ------------------------------------------------------


def cli_pipeline(exports: Path, base: Path) -> dict[str, float]:
    env = _env(base)
    manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    groups: list[tuple[str | None, list[str]]] = []
    for entry in manifest["files"]:
        if groups and groups[-1][0] == entry["source"]:
            groups[-1][1].append(str(exports / entry["path"]))
        else:
            groups.append((entry["source"], [str(exports / entry["path"])]))
    started = time.perf_counter()
    for source, files in groups:
        args = ["-m", "qcity.cli", "ingest", "--json", *(["--source", source] if source else [])]
        subprocess.run(
            [sys.executable, *args, *files],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=False,
            timeout=1800,
        )
    ingest = time.perf_counter() - started
    t = time.perf_counter()
    _python(["-m", "qcity.cli", "build"], env)
    build = time.perf_counter() - t
    return {
        "qcity ingest (all files)": ingest,
        "qcity build": build,
        "total": time.perf_counter() - started,
    }


def _fmt(rows: dict[str, float]) -> str:
    return "\n".join(
        f"   {name:<42} {value:8.1f}" + (" s" if name != "tasks" else "")
        for name, value in rows.items()
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.airflow_bench")
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--role", choices=["airflow", "warehouse"], help=argparse.SUPPRESS)
    parser.add_argument("--exports", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="watcher", help=argparse.SUPPRESS)
    parser.add_argument("--label", default="watcher", help=argparse.SUPPRESS)
    if argv is None:
        argv = sys.argv[1:] if __name__ == "__main__" else []
    args = parser.parse_args(argv)
    if args.role == "airflow":
        print(json.dumps(_airflow_role(Path(args.exports), args.mode)))
        return
    if args.role == "warehouse":
        print(json.dumps(_warehouse_role(args.mode, args.label)))
        return

    with tempfile.TemporaryDirectory(prefix="qcity-airflow-bench-") as tmp:
        tmp_path = Path(tmp)
        airflow_base, cli_base = tmp_path / "airflow-run", tmp_path / "cli-run"
        prepare(airflow_base)

        print("DAG file parse time (fresh process, Airflow imported; best of 3):", flush=True)
        times = parse_times(airflow_base)
        for name, seconds in times.items():
            verdict = "ok" if seconds < PARSE_TARGET_S else f"over {PARSE_TARGET_S} s"
            print(f"   {name:<42} {seconds:8.3f} s  {verdict}", flush=True)

        from sample_data import generate_exports

        exports = tmp_path / "exports"
        generate_exports(exports, rows=args.rows, seed=args.seed)
        print(f"\nDemo pipeline, {args.rows} market rows (every source, 31 files):", flush=True)
        through_airflow = json.loads(
            _python(
                ["-m", "benchmarks.airflow_bench", "--role", "airflow", "--exports", str(exports)],
                _env(airflow_base),
            )
            .strip()
            .splitlines()[-1]
        )
        print(" through Airflow (dag.test, SQLite, one process):\n" + _fmt(through_airflow))
        shutil.copytree(airflow_base / "dbt", cli_base / "dbt")
        cli = cli_pipeline(exports, cli_base)
        print(" from the CLI (qcity ingest per source, qcity build):\n" + _fmt(cli))
        ratio = through_airflow["total"] / cli["total"]
        print(f" Airflow / CLI: {ratio:.2f}x (target under 2x)", flush=True)

        print("\nWarehouse DAG alone on the loaded warehouse, per Cosmos execution mode:")
        built = tmp_path / "built.duckdb"
        shutil.copy(airflow_base / "qcity.duckdb", built)
        unbuilt = tmp_path / "unbuilt.duckdb"  # no build recorded: the whole project
        shutil.copy(built, unbuilt)
        with duckdb.connect(str(unbuilt)) as con:
            con.execute("drop schema build_state cascade")
        runs = (
            ("watcher", "watcher, whole project", unbuilt),
            ("local", "local, whole project", unbuilt),
            ("watcher", "watcher, a day with no new file", built),
        )
        for mode, label, warehouse in runs:
            shutil.copy(warehouse, airflow_base / "qcity.duckdb")
            result = json.loads(
                _python(
                    [
                        *("-m", "benchmarks.airflow_bench", "--role", "warehouse"),
                        *("--mode", mode, "--label", label),
                    ],
                    _env(airflow_base, QCITY_DBT_EXECUTION=mode),
                )
                .strip()
                .splitlines()[-1]
            )
            print(_fmt(result), flush=True)


if __name__ == "__main__":
    main()
