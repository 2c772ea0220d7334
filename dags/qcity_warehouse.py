"""Airflow DAG `qcity_warehouse`: dbt builds the marts when a raw table changed.

Scheduled on the raw tables' Assets; runs the dbt project through Cosmos (rendered from the
prebuilt manifest, so parsing this file never runs dbt), then refreshes what is published
from the marts. The work is in `orchestration`; this file only wires tasks.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from orchestration.cosmos_dbt import dbt_task_group, execution_mode, what_publish_waits_for
from orchestration.dag_settings import (
    DEFAULT_ARGS,
    MARTS_ASSET,
    START_DATE,
    TAGS_WAREHOUSE,
    AnyRawTable,
    landing_folders,
    local_day,
)
from orchestration.pools import WAREHOUSE_POOL
from orchestration.warehouse_doc import WAREHOUSE_DOC

RAW_ASSETS = sorted({s for f in landing_folders() for s in f.sources})


@dag(
    dag_id="qcity_warehouse",
    description="dbt build of the indicator marts, then the published copies",
    schedule=AnyRawTable(RAW_ASSETS),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS_WAREHOUSE, execution_mode()],
    doc_md=WAREHOUSE_DOC.format(pool=WAREHOUSE_POOL, mode=execution_mode()),
)
def qcity_warehouse():
    @task(pool=WAREHOUSE_POOL)
    def prepare_warehouse() -> str:
        """Create the raw and audit tables if missing, so every dbt source exists."""
        from orchestration.steps import prepare_warehouse

        return prepare_warehouse()

    @task(pool=WAREHOUSE_POOL, outlets=[MARTS_ASSET])
    def publish() -> dict:
        """Refresh what is read from the marts (scorecard, BI copies); queue the digest."""
        from orchestration.steps import publish

        return publish(local_day(get_current_context()["dag_run"].run_after))

    build = dbt_task_group("dbt")
    prepare_warehouse() >> build
    what_publish_waits_for(build) >> publish()


qcity_warehouse()
