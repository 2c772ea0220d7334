"""PostgreSQL for the tests that need the real server: a throw-away database, and rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from warehouse.postgres_copy import (
    PostgresCopyError,
    PostgresSettings,
    drop_database,
    ensure_database,
)


def throwaway_database(prefix: str) -> Iterator[PostgresSettings]:
    """A database of its own for a fixture to yield from, dropped afterwards. PostgreSQL
    out of reach fails the run in CI (the production topology must be tested there) and
    skips elsewhere."""
    settings = replace(
        PostgresSettings.from_env(), dbname=f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    )
    try:
        settings.connect(dbname="postgres").close()
    except PostgresCopyError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    yield settings
    drop_database(settings)


def empty_warehouse(prefix: str) -> Iterator[PostgresSettings]:
    """A created, empty database of its own for a fixture to yield from (a PostgreSQL
    warehouse: `warehouse.pg_load.connect` makes the schema), dropped afterwards."""
    for settings in throwaway_database(prefix):
        ensure_database(settings)
        yield settings


def postgres_rows(settings: PostgresSettings, sql: str) -> list[tuple]:
    con = settings.connect()
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        con.close()


def reader_role_name(tag: str) -> str:
    """A BI reader role of the test's own: roles are server-wide, tests run side by side."""
    return f"bi_reader_{tag}{os.getpid()}_{uuid.uuid4().hex[:6]}"


def drop_role(settings: PostgresSettings, role: str) -> None:
    """Drop a test's role once the databases holding its grants are gone."""
    con = settings.connect(dbname="postgres")
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'drop role if exists "{role}"')
    finally:
        con.close()


def throwaway_reader_role(settings: PostgresSettings, tag: str) -> Iterator[str]:
    """A reader role for a fixture to yield from; afterwards the database its grants live
    in is dropped first, then the role."""
    role = reader_role_name(tag)
    yield role
    drop_database(settings)
    drop_role(settings, role)


def warehouse_url_of(settings: PostgresSettings) -> str:
    """The database as `QCITY_WAREHOUSE` names it (no password: trust auth, or libpq's)."""
    return f"postgresql://{settings.user}@{settings.host}:{settings.port}/{settings.dbname}"


def export_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json")


def sample_of(root: Path) -> list[Path]:
    """Every source's first file, a file sent twice, rejected files and one with rows in
    quarantine: the outcomes a load has, in few files (the whole set takes minutes)."""
    market = root / "market_sampling"
    chosen = [
        market / "药品化妆品医疗器械抽检结果（第2批）.xlsx",
        market / "药品化妆品医疗器械抽检结果（第2批）(1).xlsx",
        market / "宜春市2025年第6期食品安全监督抽检信息.csv",
        market / "监督抽检数据导出（系统）.csv",
        market / "市场监管抽检结果_县区汇总.csv",
    ]
    others = ["agri_testing", "construction_acceptance", "indicator_reports", "_unsorted"]
    return chosen + [export_files(root / folder)[0] for folder in others]
