"""Opening the warehouse, with the one sentence a user sees when it is busy.

DuckDB allows one writer process per file. Two loads started at once therefore serialise:
the second waits (up to `wait_seconds`) for the first to close the file, and if it is still
busy after that, fails with a sentence saying so; its files are simply loaded next time.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from warehouse.schema import ensure_schema

_POLL_SECONDS = 0.5


class WarehouseBusy(Exception):
    """Another process holds the DuckDB file (DuckDB allows one writer process)."""


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def connect(
    path: Path, read_only: bool = False, wait_seconds: float = 0.0
) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_seconds:.0f} s" if wait_seconds else ""
                raise WarehouseBusy(
                    f"the warehouse {path} is in use by another process{waited}; "
                    "try again when it finishes"
                ) from None
            time.sleep(_POLL_SECONDS)
    con.execute("set memory_limit = '1GB'")
    # Raw rows carry their file row number; physical order is not needed and costs 2x on insert.
    con.execute("set preserve_insertion_order = false")
    if not read_only:
        ensure_schema(con)
    return con
