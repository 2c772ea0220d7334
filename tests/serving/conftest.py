"""Fixtures of the serving tests: the shared built warehouse and a throw-away PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import throwaway_database
from tests.serving.built import built_warehouse
from warehouse.postgres_copy import PostgresSettings, drop_database


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_warehouse(tmp_path_factory)


@pytest.fixture(scope="module")
def pg_settings() -> Iterator[PostgresSettings]:
    """A database of this test module's own; unreachable PostgreSQL fails in CI, else skips."""
    yield from throwaway_database("qcity_serving_test")


@pytest.fixture(scope="module")
def reader_role(pg_settings: PostgresSettings) -> Iterator[str]:
    """A reader role of this module's own (roles are server-wide; the default is bi_reader)."""
    role = f"bi_reader_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
    yield role
    drop_database(pg_settings)  # the role's grants live in the database; drop them first
    con = pg_settings.connect(dbname="postgres")
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'drop role if exists "{role}"')
    finally:
        con.close()
