"""The production topology, proven without containers (docker-compose.yml runs the same).

Airflow with PostgreSQL as metadata database and Celery over Redis: api-server, scheduler,
dag-processor, triggerer and one Celery worker as processes. An ingestion DAG and then the
warehouse DAG are triggered through the REST API; both must succeed and the marts must hold
what was dropped. Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on
127.0.0.1:6379 (`.ci/run` starts them); without them the test is skipped, or fails when
`CI=true`.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.airflow.conftest import Pipeline, query
from tests.airflow.services import ServicesUnavailable, Topology, check_services
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv

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
    for dag_id, timeout in ((INGEST, 300), (WAREHOUSE, 480)):
        run_id = topology.trigger(dag_id)
        t0 = time.monotonic()
        state = topology.wait_for_run(dag_id, run_id, timeout)
        print(f"{dag_id}: {state} in {time.monotonic() - t0:.0f} s")
        runs[dag_id] = run_id
        assert state == "success", (
            f"{dag_id}: {topology.task_states(dag_id, run_id)}\n{topology.logs_tail()}"
        )

    ingest_tasks = topology.task_states(INGEST, runs[INGEST])
    # the three exports are one chunk of the listing: one mapped task loads them
    assert sum(k.startswith("ingest_files[") for k in ingest_tasks) == 1, ingest_tasks
    assert ingest_tasks["announce_market_sampling[-1]"] == "success"
    warehouse_tasks = topology.task_states(WAREHOUSE, runs[WAREHOUSE])
    assert warehouse_tasks["dbt.mart_indicator_scorecard.run[-1]"] == "success"
    assert set(warehouse_tasks.values()) == {"success"}

    topology.stop()  # DuckDB allows one process: read the warehouse once Airflow is gone
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
