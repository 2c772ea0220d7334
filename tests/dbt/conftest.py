"""Warehouses built once per session with `qcity build`, shared by the dbt tests.

dbt runs cost seconds each, so every build here happens once per test run, shared by the
xdist workers (tests/shared.py): the DuckDB warehouse is built after the first batch of loads
and again (incrementally) after the second; a copy is built with --full-refresh. Tests only
read these files. PostgreSQL gets the same two builds in a throw-away database, once per
worker that asks: only tests/dbt/test_postgres.py reads them, so one worker builds them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import duckdb
import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from qcity.cli import app
from qcity.settings import DBT_PROJECT_DIR
from sample_data import generate_exports
from tests.conftest import LOAD_DAY, with_unit_tests
from tests.dbt.dataset import FIRST_BATCH, SECOND_BATCH, write_loads
from tests.postgres import (
    export_files,
    sample_of,
    throwaway_database,
    throwaway_reader_role,
    warehouse_url_of,
)
from tests.shared import built_once
from warehouse.connection import connect
from warehouse.load import Loader
from warehouse.pg_load import connect as connect_postgres
from warehouse.postgres_copy import PostgresSettings, ensure_database
from warehouse.schema import ensure_schema


@dataclass
class Built:
    """A warehouse after `qcity build`, with the dbt target folder of its last build."""

    warehouse: Path
    target_path: Path


@contextmanager
def dbt_paths(base: Path) -> Iterator[Path]:
    """Keep dbt's target/ and logs/ in the test's own folder, not in dbt_project/."""
    target = base / "target"
    with mock.patch.dict(
        os.environ,
        {
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(base / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
    ):
        yield target


def parse_of(target: Path) -> dict[str, str]:
    """The environment that has dbt read the parse a build left in `target`.

    dbt throws a parse away when the profile differs, and each throw-away PostgreSQL
    database is a profile of its own, so the session's shared parse (made for DuckDB) never
    holds there: the second build into the same database reads the first's instead of
    parsing the whole project again (~10 s of CPU).
    """
    return {"DBT_PARTIAL_PARSE_FILE_PATH": str(target / "partial_parse.msgpack")}


def invoke_build(warehouse: Path | str, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run `qcity build` like a user would, with QCITY_WAREHOUSE pointing at `warehouse`
    (a DuckDB file, or a `postgresql://` URL)."""
    with mock.patch.dict(os.environ, {"QCITY_WAREHOUSE": str(warehouse), **(env or {})}):
        return CliRunner().invoke(app, ["build", *args])


def qcity_build(warehouse: Path | str, *args: str, env: dict[str, str] | None = None) -> str:
    """`qcity build` that must succeed; the test fails with the command's output otherwise."""
    result = invoke_build(warehouse, *args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def declared_unit_tests() -> set[str]:
    """Every unit test the project's YAML declares, as dbt names it."""
    names = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", []):
            names.add(f"unit_test.qcity.{test['model']}.{test['name']}")
    return names


def unit_test_results(built: Built) -> dict[str, str]:
    results = json.loads((built.target_path / "run_results.json").read_text(encoding="utf-8"))
    return {
        r["unique_id"]: r["status"]
        for r in results["results"]
        if r["unique_id"].startswith("unit_test.")
    }


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def new_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    ensure_schema(con)
    return con


def _build_first_batch(base: Path) -> None:
    warehouse = base / "qcity.duckdb"
    with new_warehouse(warehouse) as con:
        write_loads(con, FIRST_BATCH)
    with dbt_paths(base / "first"), with_unit_tests():
        qcity_build(warehouse)
    shutil.copy(warehouse, base / "first_batch.duckdb")


def first_batch_built(factory: pytest.TempPathFactory) -> Built:
    """The DuckDB warehouse built after loads 1-4 only (a frozen copy), once per run."""
    base = built_once(factory, "dbt-first-batch", _build_first_batch)
    return Built(base / "first_batch.duckdb", base / "first" / "target")


def both_batches_built(factory: pytest.TempPathFactory) -> Built:
    """The DuckDB warehouse after both batches, the second built incrementally, once per
    run: the dbt tests read it, and so do the serving and report tests (tests/serving/
    built.py), which copy it before changing anything."""
    first_batch = first_batch_built(factory)

    def build(base: Path) -> None:
        warehouse = base / "qcity.duckdb"
        shutil.copy(first_batch.warehouse, warehouse)
        with new_warehouse(warehouse) as con:
            write_loads(con, SECOND_BATCH)
        with dbt_paths(base):
            qcity_build(warehouse)

    base = built_once(factory, "dbt-incremental", build)
    return Built(base / "qcity.duckdb", base / "target")


@pytest.fixture(scope="session")
def first_batch_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return first_batch_built(tmp_path_factory)


@pytest.fixture(scope="session")
def duckdb_built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return both_batches_built(tmp_path_factory)


@pytest.fixture(scope="session")
def duckdb_full_refresh(duckdb_built: Built, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A copy of the final warehouse rebuilt from all history with --full-refresh."""

    def build(base: Path) -> None:
        warehouse = base / "qcity.duckdb"
        shutil.copy(duckdb_built.warehouse, warehouse)
        with dbt_paths(base):
            qcity_build(warehouse, "--full-refresh")

    base = built_once(tmp_path_factory, "dbt-full-refresh", build)
    return Built(base / "qcity.duckdb", base / "target")


@pytest.fixture(scope="session")
def postgres_settings() -> Iterator[PostgresSettings]:
    """A throw-away PostgreSQL database; unreachable fails the run in CI, else skips."""
    yield from throwaway_database("qcity_test")


@pytest.fixture(scope="session")
def postgres_built(
    first_batch_warehouse: Built,
    duckdb_built: Built,
    postgres_settings: PostgresSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Built:
    """The same two builds on PostgreSQL: the first batch, then the second incrementally."""
    base = tmp_path_factory.mktemp("postgres")
    env = {"QCITY_PG_DBNAME": postgres_settings.dbname}
    # The copy opens the DuckDB file for writing: use copies, the shared files stay
    # readable by the other tests (and workers) meanwhile.
    first, second = base / "first.duckdb", base / "second.duckdb"
    shutil.copy(first_batch_warehouse.warehouse, first)
    shutil.copy(duckdb_built.warehouse, second)
    with dbt_paths(base / "first") as first_target:
        qcity_build(first, "--target", "postgres", env=env)
    with dbt_paths(base / "second") as target, with_unit_tests():
        qcity_build(second, "--target", "postgres", env={**env, **parse_of(first_target)})
    return Built(duckdb_built.warehouse, target)


@dataclass
class BuiltPair:
    """The same exports loaded into a DuckDB file and a PostgreSQL warehouse, each then
    built with `qcity build` where it lies (PostgreSQL's build also published: the marts
    granted to `reader_role`, the scorecard CSV and dashboard under `build_dir`)."""

    duckdb: Path
    postgres: PostgresSettings
    url: str
    reader_role: str
    build_dir: Path
    #: dbt's target folder of the PostgreSQL build (its parse: `parse_of`)
    target_path: Path


@pytest.fixture(scope="session")
def pg_warehouse_settings() -> Iterator[PostgresSettings]:
    """A throw-away database to serve as the PostgreSQL warehouse itself."""
    yield from throwaway_database("qcity_pgbuild")


@pytest.fixture(scope="session")
def pg_reader_role(pg_warehouse_settings: PostgresSettings) -> Iterator[str]:
    yield from throwaway_reader_role(pg_warehouse_settings, "pgbuild")


@pytest.fixture(scope="session")
def pg_warehouse_built(
    pg_warehouse_settings: PostgresSettings,
    pg_reader_role: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> BuiltPair:
    """A few sample exports (every outcome of a load, a few hundred rows) loaded by the one
    loader into a DuckDB file and into the PostgreSQL warehouse, then `qcity build` on each."""
    base = tmp_path_factory.mktemp("pgbuild")
    generate_exports(base / "exports", rows=500, seed=11)
    files = sample_of(base / "exports")
    files += [export_files(base / "exports" / s)[0] for s in ("building_material_sampling",)]
    ensure_database(pg_warehouse_settings)
    url = warehouse_url_of(pg_warehouse_settings)
    duck = base / "qcity.duckdb"
    env = {"QCITY_BUILD_DIR": str(base / "build"), "QCITY_BI_READER_ROLE": pg_reader_role}
    with mock.patch.dict(os.environ, env):
        for con in (connect(duck), connect_postgres(url)):
            try:
                loader = Loader(con, now=lambda: LOAD_DAY)
                for path in files:
                    loader.ingest_sheets(path)
            finally:
                con.close()
    with dbt_paths(base / "duckdb"):
        qcity_build(duck, "--no-publish")
    with dbt_paths(base / "postgres") as target:
        qcity_build(url, env=env)
    return BuiltPair(duck, pg_warehouse_settings, url, pg_reader_role, base / "build", target)
