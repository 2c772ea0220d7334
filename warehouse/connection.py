"""Opening the warehouse, with the one sentence a user sees when it is busy.

DuckDB allows one writer process per file. Two loads started at once therefore serialise:
the second waits (up to `wait_seconds`) for the first to close the file, and if it is still
busy after that, fails with a sentence saying so; its files are simply loaded next time.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from qcity.settings import warehouse_path, warehouse_url
from warehouse.schema import ensure_schema

if TYPE_CHECKING:
    from warehouse.pg_load import PgConnection

POLL_SECONDS = 0.5
# What `qcity ingest`, `qcity build` and `qcity alerts` exit with when the warehouse is busy,
# so a script can tell "try later" from "failed".
BUSY_EXIT_CODE = 3
#: The engines `qcity build` builds in (warehouse.dbt_build; here for the command's help,
#: which is written before dbt_build, psycopg2 and all, are imported).
TARGETS: tuple[str, ...] = ("duckdb", "postgres")


class WarehouseBusy(Exception):
    """Another process holds the DuckDB file (DuckDB allows one writer process)."""


def is_lock_error(text: str) -> bool:
    """True for DuckDB's "Could not set lock on file ...: Conflicting lock is held" error.

    The one test for "busy", whether the error came from our own connect or from dbt's.
    """
    text = text.lower()
    return "could not set lock" in text or "conflicting lock" in text


def busy_message(path: Path | str, error: str, waited: float) -> str:
    """The one line a user reads when the warehouse is busy: Chinese for clerks, then English.

    `error` is DuckDB's lock error, which names the holder's pid: the thing to look up.
    """
    found = re.search(r"\(PID (\d+)\)", error)
    return busy_sentence(path, int(found.group(1)) if found else None, waited)


def busy_sentence(where: Path | str, pid: int | None, waited: float) -> str:
    """`busy_message` once the holder's pid is known (PostgreSQL's lock table names it)."""
    pid_zh = f"（pid {pid}）" if pid else ""
    pid_en = f" (pid {pid})" if pid else ""
    waited_zh = f"，已等待 {waited:.0f} 秒" if waited else ""
    waited_en = f" after waiting {waited:.0f} s" if waited else ""
    return (
        f"数据仓库正被另一个进程{pid_zh}使用{waited_zh}，请等它结束后再试。"
        f" / The warehouse {where} is in use by another process{pid_en}{waited_en}; "
        "try again when it finishes."
    )


def keep_private(path: Path) -> None:
    """Make the warehouse and its write-ahead log readable by their owner only (0600).

    The warehouse holds every row the departments sent, phone numbers and names included.
    DuckDB creates the file and, at the first write after each checkpoint, a new `.wal`
    with mode 0666 less the process umask (0644 usually: world-readable) and has no
    setting for it. So a process that writes the warehouse takes owner-only as its umask
    (other files it makes are private too; the dashboard and serving copy, meant to be
    shared, set their modes themselves), and files made before this fix are tightened.
    """
    os.umask(os.umask(0o077) | 0o077)
    for existing in (path, path.with_name(f"{path.name}.wal")):
        with contextlib.suppress(OSError):  # absent, or not ours to change: DuckDB will say
            if stat.S_IMODE(existing.stat().st_mode) & 0o077:
                existing.chmod(0o600)


def connect(
    path: Path, read_only: bool = False, wait_seconds: float = 0.0
) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not read_only:
        keep_private(path)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not is_lock_error(str(exc)):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(busy_message(path, str(exc), wait_seconds)) from None
            time.sleep(POLL_SECONDS)
    con.execute("set memory_limit = '1GB'")
    # Raw rows carry their file row number; physical order is not needed and costs 2x on insert.
    con.execute("set preserve_insertion_order = false")
    if not read_only:
        ensure_schema(con)
    return con


def open_warehouse(wait_seconds: float = 0.0) -> duckdb.DuckDBPyConnection | PgConnection:
    """The configured warehouse for writing: the PostgreSQL database `QCITY_WAREHOUSE`
    names (many writers at once, nothing to wait for), else the DuckDB file."""
    url = warehouse_url()
    if url is None:
        return connect(warehouse_path(), wait_seconds=wait_seconds)
    from warehouse.pg_load import connect as connect_postgres

    return connect_postgres(url)
