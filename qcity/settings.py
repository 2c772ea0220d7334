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


# Landing folders ----------------------------------------------------------------------------

DEFAULT_INGEST_CHUNK_FILES = 25
DEFAULT_INGEST_CHUNK_MB = 64.0


def ingest_chunk_files() -> int:
    """At most this many landing files are loaded by one Airflow task, in delivery order
    (`QCITY_INGEST_CHUNK_FILES`, default 25; 1 gives a task per file). A task's fixed cost
    (process, DAG parse, connection, GX suites) is then paid per chunk, not per file."""
    return max(1, int(os.environ.get("QCITY_INGEST_CHUNK_FILES", DEFAULT_INGEST_CHUNK_FILES)))


def ingest_chunk_bytes() -> int:
    """A chunk also ends before it would exceed this many megabytes of files, so that a
    large export gets a task (and a retry) of its own (`QCITY_INGEST_CHUNK_MB`, default 64)."""
    megabytes = float(os.environ.get("QCITY_INGEST_CHUNK_MB", DEFAULT_INGEST_CHUNK_MB))
    return int(megabytes * 1024 * 1024)
