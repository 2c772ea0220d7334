"""`make demo`: the whole pipeline through Airflow, from landing files to the scorecard.

1. Generate sample exports of every source (`qcity generate`) and drop them into the
   landing folders, in delivery order.
2. Run every DAG with `dag.test()` against the project-local Airflow (`.airflow/`, SQLite):
   one ingestion DAG per landing folder, then `qcity_warehouse` (dbt through Cosmos, then
   the published scorecard), then `qcity_freshness`.
3. Print what happened and where everything is; `make airflow` then shows these runs.

The demo starts from an empty warehouse and empty landing, archive and rejected folders
(it is the demo's own data: `make clean` removes the same), unless `--keep` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from orchestration.local_airflow import airflow_home, configure
from qcity.settings import PROJECT_ROOT

DEMO_DIR = PROJECT_ROOT / "demo"


def _say(text: str) -> None:
    print(text, flush=True)


def _fresh_start(folders, warehouse: Path, build: Path) -> None:
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    for root in folders.roots():
        shutil.rmtree(root, ignore_errors=True)
    for name in ("corrections", "data_docs", "gx_results", "scorecard", "report"):
        shutil.rmtree(build / name, ignore_errors=True)


def drop_into_landing(exports: Path, folders, settle: float) -> int:
    """Copy the generated files into landing/<source>/ in the manifest's delivery order.

    Modification times are set a minute apart and in the past, as if each file had been
    dropped by its department some time ago, so none is mistaken for one still being written.
    """
    from orchestration.folders import UNSORTED

    manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    start = time.time() - settle - 60 * (len(files) + 1)
    for i, entry in enumerate(files):
        target = folders.landing_dir(entry["source"] or UNSORTED) / Path(entry["path"]).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exports / entry["path"], target)
        moment = start + 60 * i
        os.utime(target, (moment, moment))
    return len(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qcity.demo", description=__doc__)
    parser.add_argument("--rows", type=int, default=3000, help="market_sampling rows (about)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the warehouse and folders")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    # Before anything imports Airflow: the project-local home, SQLite, quiet logs.
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
    env = configure()

    from orchestration.folders import Folders
    from orchestration.landing import settle_seconds
    from qcity.settings import build_dir, warehouse_path

    folders, warehouse, build = Folders.from_env(), warehouse_path(), build_dir()
    if not args.keep:
        _fresh_start(folders, warehouse, build)

    _say("1/5 Preparing Airflow (dbt manifest, metadata database, warehouse pool)…")
    step = time.perf_counter()
    from orchestration.local_airflow import ensure_pool, prepare

    prepare(env, pool=False)
    import airflow  # noqa: F401  (configured above; the pool is then created in-process)

    ensure_pool(env)
    _say(f"    done in {time.perf_counter() - step:.0f} s")

    _say(f"2/5 Generating sample exports ({args.rows} market rows) into the landing folders…")
    from sample_data import generate_exports

    exports = DEMO_DIR / "exports"
    shutil.rmtree(exports, ignore_errors=True)
    generate_exports(exports, rows=args.rows, seed=args.seed)
    dropped = drop_into_landing(exports, folders, settle_seconds())
    _say(f"    {dropped} files dropped under {folders.landing}")

    from orchestration.dag_settings import landing_folders
    from orchestration.local_airflow import load_dags

    dags = load_dags()
    timings: dict[str, float] = {}
    runs: dict[str, str] = {}
    failed: list[str] = []

    def run(dag_id: str) -> None:
        t = time.perf_counter()
        dag_run = dags[dag_id].test()
        timings[dag_id] = time.perf_counter() - t
        runs[dag_id] = dag_run.run_id
        state = str(dag_run.state).rsplit(".", 1)[-1].lower()
        if state != "success":
            failed.append(dag_id)
        _say(f"    {dag_id:<40} {state:<8} {timings[dag_id]:5.1f} s")

    _say("3/5 Ingestion DAGs (validate, load, archive or reject each file)…")
    for spec in landing_folders():
        run(spec.dag_id)
    _say("4/5 Warehouse DAG (dbt build through Cosmos, then publishing)…")
    run("qcity_warehouse")
    _say("5/5 Freshness DAG…")
    run("qcity_freshness")

    _report(folders, warehouse, build, runs, time.perf_counter() - started, failed)
    return 1 if failed else 0


def _report(folders, warehouse: Path, build: Path, runs: dict, seconds: float, failed) -> None:
    import duckdb

    from orchestration.dag_settings import landing_folders
    from orchestration.ingest import run_outcomes
    from qcity.app import build_paths
    from qcity.publish import measured_rates

    # Not read-only: dbt ran in this process and DuckDB refuses a second configuration of an
    # open database file.
    con = duckdb.connect(str(warehouse))
    try:
        _say("\nFiles (loaded / duplicate / already received / rejected), rows loaded:")
        for spec in landing_folders():
            outcomes = run_outcomes(con, runs[spec.dag_id], spec.folder)
            if not outcomes:
                continue
            count = {
                s: sum(o.status == s for o in outcomes)
                for s in ("loaded", "duplicate", "already_recorded", "rejected")
            }
            rows = sum(o.rows_loaded for o in outcomes)
            quarantined = sum(o.rows_quarantined for o in outcomes)
            _say(
                f"  {spec.folder:<26} {count['loaded']:>3} / {count['duplicate']} / "
                f"{count['already_recorded']} / {count['rejected']:<3} "
                f"{rows:>7} rows ({quarantined} quarantined)"
            )
        rates = measured_rates(con) if _has_scorecard(con) else []
        if rates:
            _say("\nScorecard, whole city (measured rates):")
            for code, period, actual, target, status, size in rates:
                target_text = f"target {target}" if target is not None else "no target"
                _say(f"  {code:<38} {period}  {actual:>6} %  ({target_text}, {status}, n={size})")
        overdue = con.execute(
            "select source from audit.source_freshness where is_overdue "
            "and checked_on = (select max(checked_on) from audit.source_freshness)"
        ).fetchall()
        _say(f"\nOverdue sources today: {', '.join(r[0] for r in overdue) or 'none'}")
    finally:
        con.close()
    paths = build_paths()
    home = airflow_home()
    _say(
        "\nWhere things are:\n"
        f"  Airflow UI     make airflow, then http://localhost:8080 (user admin; password in "
        f"{home / 'simple_auth_manager_passwords.json.generated'})\n"
        f"  Warehouse      {paths['warehouse']}\n"
        f"  Scorecard      {paths['scorecard']}\n"
        f"  Dashboard      {paths['dashboard']}  (serving copy for BI: {paths['serving']}/)\n"
        f"  Data Docs      {paths['data_docs']}\n"
        f"  Corrections    {paths['corrections']}/ (整改清单)\n"
        f"  Archive        {folders.archive}/   Rejected {folders.rejected}/\n"
        f"\nWhole pipeline through Airflow: {seconds:.0f} s"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )


def _has_scorecard(con) -> bool:
    return bool(
        con.execute(
            "select 1 from information_schema.tables where table_schema = 'marts' "
            "and table_name = 'mart_indicator_scorecard'"
        ).fetchone()
    )


if __name__ == "__main__":
    sys.exit(main())
