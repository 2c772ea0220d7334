"""The DAG files: they import cleanly, carry what every DAG must, and are wired as designed."""

from __future__ import annotations

import importlib.util
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from ingestion.contracts import all_contracts
from orchestration.folders import UNSORTED
from orchestration.pools import WAREHOUSE_POOL

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


def ingest_dag_ids() -> set[str]:
    folders = [c.name for c in all_contracts()] + [UNSORTED]
    return {f"qcity_ingest_{f.lstrip('_')}" for f in folders}


def test_every_dag_file_imports_without_errors_or_warnings(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert dagbag.captured_warnings == {}
    assert {Path(s.file).name for s in dagbag.dagbag_stats} == {
        p.name for p in DAGS_DIR.glob("*.py")
    }


def test_one_ingestion_dag_per_contract_and_the_shared_dags(dagbag) -> None:
    assert set(dagbag.dag_ids) == ingest_dag_ids() | {
        "qcity_warehouse",
        "qcity_freshness",
        "qcity_alerts",
    }


def test_every_dag_has_owner_tags_doc_and_retries_with_backoff(dagbag) -> None:
    for dag in dagbag.dags.values():
        assert dag.tags and "qcity" in dag.tags, dag.dag_id
        assert dag.doc_md and len(dag.doc_md) > 200, dag.dag_id
        assert dag.owner == "qcity-data", dag.dag_id
        assert dag.catchup is False and dag.max_active_runs == 1, dag.dag_id
        assert dag.default_args["retries"] >= 1, dag.dag_id
        assert dag.default_args["retry_exponential_backoff"] > 0, dag.dag_id
        for task in dag.tasks:
            assert task.owner == "qcity-data", task.task_id
            assert task.on_failure_callback, (dag.dag_id, task.task_id)
            if task.task_id.startswith("dbt.") and not task.task_id.endswith("_done"):
                # watcher mode: the build runs once; a failed build re-runs the DAG
                assert task.retries == 0, task.task_id
                continue
            assert task.retries >= 1, (dag.dag_id, task.task_id)
            assert task.retry_exponential_backoff > 0, (dag.dag_id, task.task_id)
            assert task.retry_delay >= timedelta(seconds=10)


def test_no_dag_has_a_cycle(dagbag) -> None:
    for dag in dagbag.dags.values():
        dag.check_cycle()


def test_everything_that_opens_the_warehouse_takes_the_single_slot_pool(dagbag) -> None:
    """Listing files, announcing Assets and reporting a model's result read no warehouse."""
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            reads_no_warehouse = (
                task.task_id == "list_files"
                or task.task_id.startswith("announce_")
                or (task.task_id.startswith("dbt.") and "producer_watcher" not in task.task_id)
            )
            if reads_no_warehouse:
                assert task.pool != WAREHOUSE_POOL, (dag.dag_id, task.task_id)
            elif task.task_id != "dbt.dbt_producer_watcher_done":
                assert task.pool == WAREHOUSE_POOL, (dag.dag_id, task.task_id)


def test_ingestion_dag_lists_loads_mapped_summarizes_then_announces(dagbag) -> None:
    dag = dagbag.dags["qcity_ingest_market_sampling"]
    ingest = dag.get_task("ingest_files")
    assert dag.get_task("list_files").downstream_task_ids == {"ingest_files", "summarize"}
    assert ingest.downstream_task_ids == {"summarize"}
    assert dag.get_task("summarize").downstream_task_ids == {"announce_market_sampling"}
    assert dag.get_task("summarize").trigger_rule == "all_done"
    outlets = dag.get_task("announce_market_sampling").outlets
    assert [a.uri for a in outlets] == ["qcity://warehouse/raw/market_sampling"]
    # the unsorted folder may load into any source: one announcement per raw table
    unsorted = dagbag.dags["qcity_ingest_unsorted"]
    assert {t.task_id for t in unsorted.tasks if t.task_id.startswith("announce_")} == {
        f"announce_{c.name}" for c in all_contracts()
    }


def test_warehouse_dag_is_scheduled_on_every_raw_asset_and_builds_each_model(dagbag) -> None:
    dag = dagbag.dags["qcity_warehouse"]
    from airflow.sdk import AssetAny  # (after tests/airflow/conftest.py configured Airflow)

    condition = dag.timetable.asset_condition
    assert isinstance(condition, AssetAny)  # any raw table updated: a build
    # hashed once (orchestration.dag_settings.AnyRawTable), as Airflow would hash it
    assert hash(condition) == hash(AssetAny(*condition.objects))
    assert {a.uri for a in condition.objects} == {
        f"qcity://warehouse/raw/{c.name}" for c in all_contracts()
    }
    ids = {t.task_id for t in dag.tasks}
    assert "dbt.dbt_producer_watcher" in ids
    assert "dbt.mart_indicator_scorecard.run" in ids
    assert "dbt.mart_indicator_scorecard.test" in ids
    assert "dbt.counties.seed" in ids
    producer = dag.get_task("dbt.dbt_producer_watcher")
    assert "dbt.counties.seed" in producer.downstream_task_ids
    assert dag.get_task("prepare_warehouse").downstream_task_ids >= {"dbt.dbt_producer_watcher"}
    publish = dag.get_task("publish")
    # published once the build (tests included) succeeded, while the model tasks report
    assert publish.upstream_task_ids == {"dbt.dbt_producer_watcher"}
    assert publish.trigger_rule == "all_success"
    assert [a.uri for a in publish.outlets] == ["qcity://warehouse/marts"]


def test_adding_a_contract_adds_an_ingestion_dag(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new source is a data change: the DAG file generates its DAG unchanged."""
    import ingestion.contracts

    contracts = all_contracts()
    extra = contracts[0].model_copy(update={"name": "new_source"})
    monkeypatch.setattr(ingestion.contracts, "all_contracts", lambda: [*contracts, extra])
    spec = importlib.util.spec_from_file_location(
        "qcity_ingest_probe", DAGS_DIR / "qcity_ingest.py"
    )
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "qcity_ingest_probe", module)
    spec.loader.exec_module(module)
    dag = module.qcity_ingest_new_source
    assert dag.dag_id == "qcity_ingest_new_source"
    assert dag.get_task("announce_new_source").outlets[0].uri == "qcity://warehouse/raw/new_source"


def test_a_postgresql_warehouse_makes_the_dags_dbt_tasks_build_in_it(
    airflow_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `QCITY_WAREHOUSE=postgresql://…` the warehouse DAG's dbt tasks use the profile's
    postgres target, and before each runs, its variables name the database the URL reaches
    (libpq's resolution: here the local server), so dbt builds where the loads write."""
    from airflow.dag_processing.dagbag import DagBag

    from orchestration.cosmos_dbt import dbt_target, point_dbt_at_the_warehouse
    from orchestration.local_airflow import DAGS_FOLDER
    from tests.postgres import empty_warehouse, warehouse_url_of

    for settings in empty_warehouse("qcity_dag_target"):
        monkeypatch.setenv("QCITY_WAREHOUSE", warehouse_url_of(settings))
        for name in ("QCITY_PG_HOST", "QCITY_PG_PORT", "QCITY_PG_USER", "QCITY_PG_DBNAME"):
            monkeypatch.delenv(name, raising=False)
        assert dbt_target() == "postgres"
        dag = DagBag(str(DAGS_FOLDER)).get_dag("qcity_warehouse")
        dbt_tasks = [t for t in dag.tasks if hasattr(t, "profile_config")]
        assert dbt_tasks
        assert {t.profile_config.target_name for t in dbt_tasks} == {"postgres"}
        point_dbt_at_the_warehouse()
        assert os.environ["QCITY_PG_DBNAME"] == settings.dbname
        assert os.environ["QCITY_PG_PORT"] == str(settings.port)
    monkeypatch.setenv("QCITY_WAREHOUSE", "/tmp/some/warehouse.duckdb")
    assert dbt_target() == "duckdb"
