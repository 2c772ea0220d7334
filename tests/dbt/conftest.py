"""Warehouses built once per session with `qcity build`, shared by the dbt tests.

dbt runs cost seconds each, so every build here happens once: the DuckDB warehouse is built
after the first batch of loads and again (incrementally) after the second; a copy is built
with --full-refresh; PostgreSQL gets the same two builds in a throw-away database.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from click.testing import Result
from typer.testing import CliRunner

from qcity.cli import app
from tests.dbt.dataset import FIRST_BATCH, SECOND_BATCH, write_loads
from tests.postgres import throwaway_database
from warehouse.postgres_copy import PostgresSettings
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


def invoke_build(warehouse: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run `qcity build` like a user would, with QCITY_WAREHOUSE pointing at `warehouse`."""
    with mock.patch.dict(os.environ, {"QCITY_WAREHOUSE": str(warehouse), **(env or {})}):
        return CliRunner().invoke(app, ["build", *args])


def qcity_build(warehouse: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """`qcity build` that must succeed; the test fails with the command's output otherwise."""
    result = invoke_build(warehouse, *args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def new_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    ensure_schema(con)
    return con


@pytest.fixture(scope="session")
def first_batch_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The DuckDB warehouse built after loads 1-4 only (a frozen copy)."""
    base = tmp_path_factory.mktemp("duckdb")
    warehouse = base / "qcity.duckdb"
    with new_warehouse(warehouse) as con:
        write_loads(con, FIRST_BATCH)
    with dbt_paths(base / "first") as target:
        qcity_build(warehouse)
    frozen = base / "first_batch.duckdb"
    shutil.copy(warehouse, frozen)
    return Built(frozen, target)


@pytest.fixture(scope="session")
def duckdb_built(first_batch_warehouse: Built, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The DuckDB warehouse after both batches, the second built incrementally."""
    base = tmp_path_factory.mktemp("duckdb-incremental")
    warehouse = base / "qcity.duckdb"
    shutil.copy(first_batch_warehouse.warehouse, warehouse)
    with new_warehouse(warehouse) as con:
        write_loads(con, SECOND_BATCH)
    with dbt_paths(base) as target:
        qcity_build(warehouse)
    return Built(warehouse, target)


@pytest.fixture(scope="session")
def duckdb_full_refresh(duckdb_built: Built, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A copy of the final warehouse rebuilt from all history with --full-refresh."""
    base = tmp_path_factory.mktemp("duckdb-full-refresh")
    warehouse = base / "qcity.duckdb"
    shutil.copy(duckdb_built.warehouse, warehouse)
    with dbt_paths(base) as target:
        qcity_build(warehouse, "--full-refresh")
    return Built(warehouse, target)


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
    with dbt_paths(base / "first"):
        qcity_build(first_batch_warehouse.warehouse, "--target", "postgres", env=env)
    with dbt_paths(base / "second") as target:
        qcity_build(duckdb_built.warehouse, "--target", "postgres", env=env)
    return Built(duckdb_built.warehouse, target)
