"""Paths and switches read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def warehouse_path() -> Path:
    """The DuckDB warehouse file (`QCITY_WAREHOUSE`, default warehouse/qcity.duckdb)."""
    return Path(os.environ.get("QCITY_WAREHOUSE", PROJECT_ROOT / "warehouse" / "qcity.duckdb"))


def build_dir() -> Path:
    """Where reports, correction workbooks and Data Docs are written (`QCITY_BUILD_DIR`)."""
    return Path(os.environ.get("QCITY_BUILD_DIR", PROJECT_ROOT / "build"))
