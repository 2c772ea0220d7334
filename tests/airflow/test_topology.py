"""The production topology, proven without containers (docker-compose.yml runs the same).

Airflow with PostgreSQL as metadata database and Celery over Redis: api-server, scheduler,
dag-processor and triggerer started once for the module, Celery workers per test, DAGs
triggered through the REST API.

- Two Celery workers (separate processes, node names and TMPDIRs) load into a PostgreSQL
  warehouse at once: files of several landing folders spread over both, every row lands
  in raw once, no file is decided twice, the warehouse pool has several slots.
- One worker ingests into the DuckDB warehouse, then the warehouse DAG builds the marts.
  (dbt builds in the PostgreSQL warehouse come separately; until then the build is proven
  on DuckDB.)

Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379 (`.ci/run`
starts them); without them the tests are skipped, or fail when `CI=true`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import pytest

from ingestion.contracts import all_contracts
from tests.airflow.conftest import Pipeline, query
from tests.airflow.services import ServicesUnavailable, Topology, Worker, check_services
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv
from tests.postgres import empty_warehouse, postgres_rows, warehouse_url_of
from warehouse.postgres_copy import PostgresSettings

pytestmark = [pytest.mark.services, pytest.mark.slow]

INGEST = "qcity_ingest_market_sampling"
WAREHOUSE = "qcity_warehouse"


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory, airflow_db):
    try:
        check_services()
    except ServicesUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL and Redis are required in CI: {exc}")
        pytest.skip(str(exc))
    base = tmp_path_factory.mktemp("topology")
    pipeline = Pipeline(base)
    topology = Topology(
        base, {**pipeline.env, "QCITY_DBT_MANIFEST_DIR": os.environ["QCITY_DBT_MANIFEST_DIR"]}
    )
    started = time.monotonic()
    try:
        topology.start()
        yield topology, pipeline, started
    finally:
        topology.stop()
        assert topology.still_running() == [], "processes left running"


def drop_exports(pipeline: Pipeline) -> None:
    landing = pipeline.folders().landing_dir("market_sampling")
    landing.mkdir(parents=True, exist_ok=True)
    failed = [
        market_row(f"F{i:03d}", verdict="不合格", items="铅║1.2mg/kg║≤0.5mg/kg") for i in range(5)
    ]
    write_csv(landing / "第1期食品安全抽检合格信息.csv", [MARKET_HEADER, *good_market_rows(45)])
    write_csv(landing / "第1期食品安全抽检不合格信息.csv", [MARKET_HEADER, *failed])
    write_csv(landing / "抽检结果.csv", [["无法识别的表头", "x"], ["1", "2"]])
    old = time.time() - 3600
    for i, path in enumerate(sorted(landing.iterdir())):
        os.utime(path, (old + i, old + i))


def test_celery_topology_ingests_and_builds_through_the_rest_api(topology) -> None:
    topology, pipeline, started = topology
    drop_exports(pipeline)
    for dag_id in (INGEST, WAREHOUSE):
        topology.wait_for(f"{dag_id} to be parsed", lambda d=dag_id: topology.dag_parsed(d), 180)

    runs = {}
    # DuckDB allows one process: the warehouse is read once the worker is gone
    with topology.workers(1, {}) as (worker,):
        # Bounds on waiting, not on speed: after the dbt build the warehouse DAG runs ~120
        # Cosmos watcher tasks one or two at a time; the run takes ~50 s on a quiet 2-core
        # machine, and took over 8 min on one loaded by other work (load average 5-11).
        for dag_id, timeout in ((INGEST, 300), (WAREHOUSE, 1200)):
            run_id = topology.trigger(dag_id)
            t0 = time.monotonic()
            state = topology.wait_for_run(dag_id, run_id, timeout)
            print(f"{dag_id}: {state} in {time.monotonic() - t0:.0f} s")
            runs[dag_id] = run_id
            assert state == "success", (
                f"{dag_id}: {topology.task_states(dag_id, run_id)}\n{topology.logs_tail()}"
            )

    # its task processes forked with validation and the DAG files' imports loaded, and its
    # supervisors woken as each task process ended (orchestration/task_exit.py)
    worker_log = worker.log.read_text(errors="replace")
    assert "task imports preloaded" in worker_log
    assert "supervisors wake on task exit" in worker_log
    ingest_tasks = topology.task_states(INGEST, runs[INGEST])
    # the three exports are one chunk of the listing: one mapped task loads them
    assert sum(k.startswith("ingest_files[") for k in ingest_tasks) == 1, ingest_tasks
    assert ingest_tasks["announce_market_sampling[-1]"] == "success"
    warehouse_tasks = topology.task_states(WAREHOUSE, runs[WAREHOUSE])
    assert warehouse_tasks["dbt.mart_indicator_scorecard.run[-1]"] == "success"
    assert set(warehouse_tasks.values()) == {"success"}

    assert dict(
        query(pipeline.warehouse, "select status, count(*) from audit.file_manifest group by 1")
    ) == {"loaded": 2, "rejected": 1}
    city = query(
        pipeline.warehouse,
        "select actual_value, sample_size from marts.mart_indicator_scorecard "
        "where indicator_code = 'QUAL_FOOD_DRUG_SAMPLING_PASS_RATE' and county_code = '360900'",
    )
    assert city == [(90.0, 50)]
    print(f"topology test: {time.monotonic() - started:.0f} s from start to checked marts")


# -- two workers, one PostgreSQL warehouse ------------------------------------------------

#: Landing folders dropped into at once (one ingestion DAG each, so whether a task loads one
#: file or a chunk of them, the folders' tasks run side by side), and files per folder.
FOLDERS = ("market_sampling", "agri_testing", "construction_acceptance", "construction_inspections")
FILES_PER_FOLDER = 2


@pytest.fixture
def pg_warehouse() -> Iterator[PostgresSettings]:
    yield from empty_warehouse("qcity_topology")


def drop_clean_exports(pipeline: Pipeline) -> list[dict]:
    """The smallest files the generator expects to load, per folder, dropped settled."""
    manifest = pipeline.generate()
    chosen = []
    for folder in FOLDERS:
        loads = [
            f
            for f in manifest["files"]
            if f["source"] == folder and f["expected_status"] == "loaded" and f["rows_loaded"]
        ]
        chosen += sorted(loads, key=lambda f: f["rows_read"])[:FILES_PER_FOLDER]
    pipeline.drop({**manifest, "files": chosen})
    return chosen


def most_at_once(spans: list[tuple[datetime, datetime]]) -> int:
    """The largest number of these (start, end) spans that overlap at one moment."""
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = peak = 0
    for _, step in edges:  # at equal times an end (-1) sorts first: touching is not overlap
        running += step
        peak = max(peak, running)
    return peak


def test_two_celery_workers_load_into_one_postgres_warehouse_at_once(
    topology, pg_warehouse: PostgresSettings, tmp_path
) -> None:
    topology, _, _ = topology
    pipeline = Pipeline(tmp_path)
    files = drop_clean_exports(pipeline)
    assert len(files) == len(FOLDERS) * FILES_PER_FOLDER
    # The workers as deployed (orchestration.celery_config): preloaded, and their supervisors
    # free a slot as a task ends. With Airflow's own Celery settings instead, a supervisor
    # could hold its only slot 5 s after a 0.3 s listing (orchestration/task_exit.py), and
    # the other worker ran all four loads one after another: no overlap, by luck.
    env = {**pipeline.env, "QCITY_WAREHOUSE": warehouse_url_of(pg_warehouse)}
    dags = [f"qcity_ingest_{folder}" for folder in FOLDERS]
    for dag_id in dags:
        topology.wait_for(f"{dag_id} to be parsed", lambda d=dag_id: topology.dag_parsed(d), 180)

    # One task at a time per worker: while one loads, the next load queued can only go to
    # the other. With two each, a worker free again in a second (a small file loads that
    # fast now) could take every load one after another, and the spread would be luck.
    with topology.workers(2, env, concurrency=1) as workers:
        slots = topology.request("GET", "/api/v2/pools/qcity_warehouse")["slots"]
        t0 = time.monotonic()
        runs = {dag_id: topology.trigger(dag_id) for dag_id in dags}
        for dag_id, run_id in runs.items():
            state = topology.wait_for_run(dag_id, run_id, 300)
            assert state == "success", (
                f"{dag_id}: {topology.task_states(dag_id, run_id)}\n{topology.logs_tail()}"
            )
        print(f"{len(files)} files in {len(dags)} folders: {time.monotonic() - t0:.0f} s")
    instances = [ti for d, r in runs.items() for ti in topology.task_instances(d, r)]
    loads = [ti for ti in instances if ti["task_id"].startswith("ingest_file")]
    assert slots > 1
    assert {ti["pool"] for ti in loads} == {"qcity_warehouse"}
    assert_spread_over(workers, instances, loads)
    assert_every_row_once(pg_warehouse, files)
    # The load tasks ran at the same time: their spans, as Airflow recorded them, overlap.
    spans = [
        (datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"]))
        for ti in loads
    ]
    assert most_at_once(spans) > 1, f"the load tasks ran one at a time: {sorted(spans)}"
    landing = pipeline.folders().landing
    assert not [p for p in landing.rglob("*") if p.is_file()], "files left in landing"


def assert_spread_over(workers: list[Worker], instances: list[dict], loads: list[dict]) -> None:
    """Each worker's log names the task instances it ran: each ran on one worker, and both
    workers loaded files. (A retried task's earlier tries have ids of their own: the API
    gives the last one.)"""
    ran = [w.task_instance_ids() for w in workers]
    for ti in instances:
        if ti["hostname"]:  # it ran (a task skipped before running has no host)
            on = [w.name for w, ids in zip(workers, ran, strict=True) if ti["id"] in ids]
            assert len(on) == 1, (ti["dag_id"], ti["task_id"], ti["map_index"], on)
    load_ids = {ti["id"] for ti in loads}
    per_worker = {w.name: len(ids & load_ids) for w, ids in zip(workers, ran, strict=True)}
    assert all(per_worker.values()), per_worker
    print(f"loads per worker: {per_worker}")


def assert_every_row_once(pg: PostgresSettings, files: list[dict]) -> None:
    """One manifest decision per dropped file, each loaded with the rows expected, and raw
    holding exactly those rows, each load's once."""
    manifest = postgres_rows(
        pg, "select file_name, status, load_id, rows_loaded from audit.file_manifest"
    )
    by_name = Counter(name for name, *_ in manifest)
    expected = {f["path"].rsplit("/", 1)[-1]: f["rows_loaded"] for f in files}
    assert by_name == dict.fromkeys(expected, 1), "files missing or decided twice"
    assert {name: (status, rows) for name, status, _, rows in manifest} == {
        name: ("loaded", rows) for name, rows in expected.items()
    }
    in_raw: Counter = Counter()
    for contract in all_contracts():
        for load_id, count in postgres_rows(
            pg, f'select _load_id, count(*) from raw."{contract.name}" group by 1'
        ):
            in_raw[load_id] += count
    assert in_raw == {load_id: rows for _, _, load_id, rows in manifest}
