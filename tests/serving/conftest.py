"""Fixtures of the serving tests: the shared built warehouse and a throw-away PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import throwaway_database, throwaway_reader_role
from tests.serving.built import built_warehouse
from warehouse.postgres_copy import PostgresSettings


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
    yield from throwaway_reader_role(pg_settings, "t")
