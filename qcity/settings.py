"""Paths and switches read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def warehouse_path() -> Path:
    """The DuckDB warehouse file (`QCITY_WAREHOUSE`, default warehouse/qcity.duckdb)."""
    return Path(os.environ.get("QCITY_WAREHOUSE", PROJECT_ROOT / "warehouse" / "qcity.duckdb"))


def warehouse_url() -> str | None:
    """`QCITY_WAREHOUSE` when it names a PostgreSQL database (`postgresql://user@host/db`),
    else None (the DuckDB file). The password is never in it: libpq reads `PGPASSWORD` or
    `~/.pgpass`."""
    value = os.environ.get("QCITY_WAREHOUSE", "")
    return value if value.startswith(("postgresql://", "postgres://")) else None


def warehouse_slots() -> int:
    """How many tasks may write the warehouse at once (the Airflow `qcity_warehouse` pool):
    one for DuckDB (one writer process per file), `QCITY_WAREHOUSE_SLOTS` (default 4) for
    PostgreSQL, whose loads run side by side."""
    if warehouse_url() is None:
        return 1
    return max(1, int(os.environ.get("QCITY_WAREHOUSE_SLOTS", "4")))


def build_dir() -> Path:
    """Where reports, correction workbooks and Data Docs are written (`QCITY_BUILD_DIR`)."""
    return Path(os.environ.get("QCITY_BUILD_DIR", PROJECT_ROOT / "build"))
