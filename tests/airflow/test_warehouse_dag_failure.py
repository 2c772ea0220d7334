"""A build that fails a dbt test fails the warehouse DAG, and nothing is published.

`publish` waits for the Cosmos build task alone (the model and test tasks after it only
report what it did): the build's own failure must be what holds publishing back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.airflow.conftest import Pipeline, state_of
from tests.dbt.conftest import new_warehouse

pytestmark = pytest.mark.slow


@pytest.fixture
def failed_run(tmp_path: Path, airflow_db, monkeypatch: pytest.MonkeyPatch):
    pipeline = Pipeline(tmp_path)
    for name, value in pipeline.env.items():
        monkeypatch.setenv(name, value)
    with new_warehouse(pipeline.warehouse) as con:
        # A verdict outside the contract's vocabulary breaks an accepted_values test.
        con.execute(
            "insert into raw.market_sampling (sample_id, sampling_type, product_name, "
            "sampled_unit, county_code, sampling_date, verdict, _load_id, _row_number) "
            "values ('X1', 'food', '大米', '超市', '360902', date '2025-01-05', 'maybe', 1, 2)"
        )
    from orchestration.local_airflow import load_dags

    return pipeline, load_dags()["qcity_warehouse"].test()


def test_a_failing_dbt_test_fails_the_run_and_publishes_nothing(failed_run) -> None:
    pipeline, run = failed_run
    assert state_of(run) == "failed"
    states = {ti.task_id: str(ti.state).rsplit(".", 1)[-1] for ti in run.get_task_instances()}
    assert states["dbt.dbt_producer_watcher"] == "failed"
    assert states["publish"] == "upstream_failed"
    assert not (Path(pipeline.env["QCITY_BUILD_DIR"]) / "scorecard").exists()
