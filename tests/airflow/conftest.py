"""Airflow for the tests: a throw-away AIRFLOW_HOME with SQLite, configured before anything
imports Airflow (it reads its configuration once, on first import), and helpers that drop
generated exports into landing folders and run the DAGs with `dag.test()`.

Expensive things happen once: the Airflow database is migrated and the dbt manifest built
once per session; each end-to-end module shares one warehouse across its tests.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

if "airflow" in sys.modules:  # pragma: no cover - a guard for the test set-up itself
    raise RuntimeError("tests/airflow must configure Airflow before anything imports it")

from orchestration.local_airflow import configure
from tests.shared import prepared_airflow

AIRFLOW_TEST_HOME = Path(tempfile.mkdtemp(prefix="qcity-airflow-tests-"))
os.environ["QCITY_DBT_MANIFEST_DIR"] = str(AIRFLOW_TEST_HOME / "dbt")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
configure(AIRFLOW_TEST_HOME)


@pytest.fixture(scope="module", autouse=True)
def cosmos_parses_its_own_way() -> Iterator[None]:
    """Cosmos caches dbt's parse for its tasks itself: the suite's shared parse
    (tests/conftest.py, `shared_dbt_parse`), made for `qcity build`, would override it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DBT_PARTIAL_PARSE_FILE_PATH", raising=False)
        yield


@pytest.fixture(scope="session")
def airflow_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Migrated metadata database, the warehouse pool, and the dbt manifest.

    `airflow db migrate` and `dbt parse` take half a minute: they run once per test run and
    each xdist worker copies the result into its own AIRFLOW_TEST_HOME (then `prepare`
    finds both current and does nothing)."""
    from orchestration.local_airflow import ensure_pool, prepare

    database = Path(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///"))
    prepared_airflow(tmp_path_factory, database.parent, Path(os.environ["QCITY_DBT_MANIFEST_DIR"]))
    prepare(pool=False)
    import airflow  # noqa: F401  (configured above)

    ensure_pool()
    yield AIRFLOW_TEST_HOME
    shutil.rmtree(AIRFLOW_TEST_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def dagbag(airflow_db: Path):
    from airflow.dag_processing.dagbag import DagBag

    from orchestration.local_airflow import DAGS_FOLDER

    return DagBag(str(DAGS_FOLDER))


class Pipeline:
    """One warehouse with its landing, archive, rejected and build folders."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.env = {
            "QCITY_WAREHOUSE": str(base / "qcity.duckdb"),
            "QCITY_LANDING": str(base / "landing"),
            "QCITY_BUILD_DIR": str(base / "build"),
            "QCITY_SETTLE_SECONDS": "5",
        }
        self.exports = base / "exports"

    @property
    def warehouse(self) -> Path:
        return Path(self.env["QCITY_WAREHOUSE"])

    def folders(self):
        from orchestration.folders import Folders

        landing = Path(self.env["QCITY_LANDING"])
        return Folders(landing, landing.parent / "archive", landing.parent / "rejected")

    def generate(self, rows: int = 500, seed: int = 11) -> dict:
        from sample_data import generate_exports

        generate_exports(self.exports, rows=rows, seed=seed)
        return json.loads((self.exports / "manifest.json").read_text(encoding="utf-8"))

    def drop(self, manifest: dict, age_seconds: float = 3600) -> None:
        """Copy every generated file into its landing folder, in delivery order, settled."""
        from orchestration.folders import UNSORTED

        start = time.time() - age_seconds
        for i, entry in enumerate(manifest["files"]):
            target = (
                Path(self.env["QCITY_LANDING"])
                / (entry["source"] or UNSORTED)
                / Path(entry["path"]).name
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.exports / entry["path"], target)
            os.utime(target, (start + i, start + i))


def run_dag(dagbag, dag_id: str):
    """`dag.test()` one DAG; returns the finished DagRun."""
    return dagbag.dags[dag_id].test()


def state_of(dag_run) -> str:
    return str(dag_run.state).rsplit(".", 1)[-1].lower()


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    import duckdb

    # Not read-only: dbt ran in this process and keeps the database open with its own
    # configuration, which a read-only connection would conflict with.
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(sql, params or []).fetchall()
