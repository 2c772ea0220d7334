"""Generated exports dropped into the landing folders, run through every DAG with `dag.test()`.

One warehouse for the module: the first pass must end as the generator's manifest says and
reach the scorecard with its expected rates; a second pass over the same files must leave
the warehouse as it was; and a file dropped while a run is in progress must wait for the
next run and then load whole.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

import pytest

from ingestion.contracts import all_contracts
from tests.airflow.conftest import Pipeline, query, run_dag, state_of
from tests.conftest import MARKET_HEADER, good_market_rows, write_csv

pytestmark = pytest.mark.slow

ROWS, SEED = 500, 11
#: audit.landing_moves is the log of runs (a second run adds its own rows, by design).
#: What records a run, not the data: the landing ledger, and dbt's bookkeeping of what it
#: built (the watermark moves and the touched periods empty out when nothing new came).
RUN_LOG = {
    ("audit", "landing_moves"),
    ("build_state", "watermark"),
    ("intermediate", "int_touched_periods"),
}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, airflow_db):
    """The module's warehouse and folders, in the environment for all its fixtures."""
    pipeline = Pipeline(tmp_path_factory.mktemp("airflow-e2e"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in pipeline.env.items():
            patch.setenv(name, value)
        yield pipeline


@pytest.fixture(scope="module")
def dags(pipeline):
    """The DAGs parsed in the module's environment (as a worker would parse them)."""
    from orchestration.local_airflow import load_dags

    return load_dags()


def ingestion_dag_ids() -> list[str]:
    from orchestration.dag_settings import landing_folders

    return [f.dag_id for f in landing_folders()]


class Bag:
    def __init__(self, dags: dict) -> None:
        self.dags = dags


def run_everything(dags) -> dict[str, object]:
    bag = Bag(dags)
    runs = {dag_id: run_dag(bag, dag_id) for dag_id in ingestion_dag_ids()}
    runs["qcity_warehouse"] = run_dag(bag, "qcity_warehouse")
    runs["qcity_freshness"] = run_dag(bag, "qcity_freshness")
    return runs


def snapshot(warehouse: Path) -> dict[tuple[str, str], tuple]:
    """Row count and a content hash of every table (views are computed from them)."""
    tables = query(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' order by 1, 2",
    )
    return {
        (schema, name): tuple(
            query(warehouse, f'select count(*), sum(hash(t)) from "{schema}"."{name}" t')[0]
        )
        for schema, name in tables
        if (schema, name) not in RUN_LOG
    }


@pytest.fixture(scope="module")
def first(pipeline, dags):
    manifest = pipeline.generate(rows=ROWS, seed=SEED)
    pipeline.drop(manifest)
    runs = run_everything(dags)
    return manifest, runs, snapshot(pipeline.warehouse)


@pytest.fixture(scope="module")
def second(pipeline, dags, first):
    """The same files dropped again, and every DAG run again."""
    manifest, _, _ = first
    pipeline.drop(manifest)
    runs = run_everything(dags)
    return runs, snapshot(pipeline.warehouse)


def test_every_dag_run_succeeds_with_rejected_files_among_them(first) -> None:
    _, runs, _ = first
    assert {dag_id: state_of(run) for dag_id, run in runs.items()} == {
        dag_id: "success" for dag_id in runs
    }


def test_every_file_ends_as_the_generator_says(pipeline, first) -> None:
    manifest, _, _ = first
    got = {
        name: (status, read, loaded, quarantined)
        for name, status, read, loaded, quarantined in query(
            pipeline.warehouse,
            "select file_name, status, rows_read, rows_loaded, rows_quarantined "
            "from audit.file_manifest",
        )
    }
    assert len(got) == len(manifest["files"])
    for entry in manifest["files"]:
        status, read, loaded, quarantined = got[Path(entry["path"]).name]
        assert status == entry["expected_status"], entry["path"]
        if status == "loaded":
            assert (read, loaded, quarantined) == (
                entry["rows_read"],
                entry["rows_loaded"],
                entry["rows_quarantined"],
            ), entry["path"]


def test_files_leave_landing_for_archive_or_rejected_with_their_sha256(pipeline, first) -> None:
    folders = pipeline.folders()
    assert [p for p in folders.landing.rglob("*") if p.is_file()] == []
    rows = query(
        pipeline.warehouse, "select status, file_sha256, file_path from audit.file_manifest"
    )
    for status, sha, path in rows:
        path = Path(path)
        assert path.exists() and sha in path.name
        root = folders.rejected if status == "rejected" else folders.archive
        assert path.is_relative_to(root), (status, path)
    assert not (folders.archive / ".staging").exists() or not any(
        (folders.archive / ".staging").iterdir()
    )


def test_the_scorecard_has_the_generators_measured_rates(pipeline, first) -> None:
    manifest, _, _ = first
    rows = query(
        pipeline.warehouse,
        "select indicator_code, county_code, period, actual_value, sample_size "
        "from marts.mart_indicator_scorecard where sample_size is not null",
    )
    built = {r[:3]: r[3:] for r in rows}
    wanted = {
        (code, county, year): (100.0 * float(c["passed"]) / float(c["total"]), c["total"])
        for code, by_county in manifest["expected"].items()
        for county, years in by_county.items()
        for year, c in years.items()
        if c["total"]
    }
    assert wanted and built == wanted


def test_rejections_are_visible_in_the_run_and_in_audit(pipeline, first) -> None:
    manifest, runs, _ = first
    rejected = {
        Path(e["path"]).name for e in manifest["files"] if e["expected_status"] == "rejected"
    }
    labels = _ingest_labels([runs[d] for d in ingestion_dag_ids()])
    for name in rejected:
        # a chunk's label names each of its rejected files
        assert any("REJECTED" in label and name in label for label in labels), name
    logged = query(
        pipeline.warehouse, "select file_name from audit.landing_moves where status = 'rejected'"
    )
    assert {r[0].rsplit("/", 1)[-1] for r in logged} == rejected
    workbooks = list((pipeline.base / "build" / "corrections").glob("*_整改清单.xlsx"))
    assert workbooks, "no correction workbook was written"


def test_raw_assets_are_updated_only_for_sources_that_loaded(first) -> None:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    _, runs, _ = first
    run_ids = {run.run_id for run in runs.values()}
    with create_session() as session:
        events = session.execute(
            select(AssetModel.uri, AssetEvent.extra, AssetEvent.source_run_id).join(
                AssetModel, AssetEvent.asset_id == AssetModel.id
            )
        ).all()
    mine = Counter(uri for uri, _, run_id in events if run_id in run_ids)
    assert mine == {
        **{f"qcity://warehouse/raw/{c.name}": 1 for c in all_contracts()},
        "qcity://warehouse/marts": 1,
        "qcity://warehouse/audit/source_freshness": 1,
    }
    extras = [extra for uri, extra, run_id in events if run_id in run_ids and "raw/" in uri]
    assert all(extra["rows_loaded"] > 0 for extra in extras)


def test_freshness_is_recorded_for_every_source(pipeline, first) -> None:
    rows = query(
        pipeline.warehouse,
        "select source, is_overdue, days_since_delivery from audit.source_freshness",
    )
    assert {r[0] for r in rows} == {c.name for c in all_contracts()}
    assert all(not overdue and days == 0 for _, overdue, days in rows)


def test_running_everything_again_over_the_same_files_changes_nothing(
    pipeline, first, second
) -> None:
    runs, after = second
    assert all(state_of(run) == "success" for run in runs.values())
    _, _, before = first
    assert after == before
    statuses = query(
        pipeline.warehouse,
        "select distinct status from audit.landing_moves where run_id in ("
        + ", ".join("?" for _ in ingestion_dag_ids())
        + ")",
        [runs[d].run_id for d in ingestion_dag_ids()],
    )
    assert statuses == [("already_recorded",)]
    assert [p for p in pipeline.folders().landing.rglob("*") if p.is_file()] == []


def test_the_second_build_runs_only_what_no_new_load_could_leave_unchanged(first, second) -> None:
    """Nothing new came: the warehouse DAG builds like `qcity build` does, only the models
    judged as of the day and the audit's; the facts' tasks are skipped, not rebuilt."""
    _, first_runs, _ = first
    runs, _ = second
    before, after = (
        _task_states(first_runs["qcity_warehouse"]),
        _task_states(runs["qcity_warehouse"]),
    )
    assert set(before.values()) == {"success"}
    for model in ("fct_market_samples", "fct_agri_samples", "mart_pass_rates"):
        assert after[f"dbt.{model}.run"] == "skipped", model
        assert after[f"dbt.{model}.test"] == "skipped", model
    assert after["dbt.mart_data_quality.run"] == "success"  # judged as of the build day
    assert after["dbt.dbt_producer_watcher"] == after["publish"] == "success"


def _task_states(run) -> dict[str, str]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.state).where(
                TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id
            )
        ).all()
    return {task_id: str(state) for task_id, state in rows}


@pytest.fixture(scope="module")
def dropped_during_run(pipeline, dags, second, monkeypatch_module):
    """A run lists one file; meanwhile a finished file and a half-copied one arrive."""
    import orchestration.steps

    folders = pipeline.folders()
    landing = folders.landing_dir("market_sampling")
    landing.mkdir(parents=True, exist_ok=True)
    old = time.time() - 3600
    on_time = write_csv(
        landing / "本期抽检合格信息.csv", [MARKET_HEADER, *good_market_rows(4, "ON")]
    )
    os.utime(on_time, (old, old))
    late = landing / "迟到抽检合格信息.csv"
    copying = landing / "正在复制抽检合格信息.csv"
    full = write_csv(pipeline.base / "full.csv", [MARKET_HEADER, *good_market_rows(30, "CP")])
    whole = full.read_bytes()
    original = orchestration.steps.list_landing

    def list_then_files_arrive(folder: str) -> list[dict]:
        listed = original(folder)
        write_csv(late, [MARKET_HEADER, *good_market_rows(6, "LATE")])
        os.utime(late, (old, old))
        copying.write_bytes(whole[: len(whole) // 2])  # the copy is still going on
        return listed

    monkeypatch_module.setattr(orchestration.steps, "list_landing", list_then_files_arrive)
    first_run = run_dag(Bag(dags), "qcity_ingest_market_sampling")
    monkeypatch_module.setattr(orchestration.steps, "list_landing", original)
    after_first = {
        r[0]: r[1:]
        for r in query(
            pipeline.warehouse,
            "select file_name, status, rows_read from audit.file_manifest "
            "where file_name in (?, ?, ?)",
            [on_time.name, late.name, copying.name],
        )
    }
    still_there = sorted(p.name for p in landing.iterdir())
    copying.write_bytes(whole)  # the copy finished
    os.utime(copying, (old + 1, old + 1))
    second_run = run_dag(Bag(dags), "qcity_ingest_market_sampling")
    after_second = {
        r[0]: r[1:]
        for r in query(
            pipeline.warehouse,
            "select file_name, status, rows_read from audit.file_manifest "
            "where file_name in (?, ?)",
            [late.name, copying.name],
        )
    }
    return first_run, after_first, still_there, second_run, after_second


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_file_dropped_during_a_run_waits_for_the_next_run(dropped_during_run) -> None:
    first_run, after_first, still_there, _, _ = dropped_during_run
    assert state_of(first_run) == "success"
    assert after_first == {"本期抽检合格信息.csv": ("loaded", 4)}
    assert still_there == ["正在复制抽检合格信息.csv", "迟到抽检合格信息.csv"]


def test_the_next_run_loads_it_whole_never_half(dropped_during_run) -> None:
    _, _, _, second_run, after_second = dropped_during_run
    assert state_of(second_run) == "success"
    assert after_second == {
        "迟到抽检合格信息.csv": ("loaded", 6),
        "正在复制抽检合格信息.csv": ("loaded", 30),
    }


def _ingest_labels(runs) -> list[str]:
    """The names the grid shows for the mapped ingest tasks (chunks) of these runs."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return [
            label
            for (label,) in session.execute(
                select(TaskInstance.rendered_map_index).where(
                    TaskInstance.task_id == "ingest_files",
                    TaskInstance.run_id.in_([r.run_id for r in runs]),
                )
            ).all()
            if label
        ]
