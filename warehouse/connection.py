"""Opening the warehouse, with the one sentence a user sees when it is busy."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.schema import ensure_schema


class WarehouseBusy(Exception):
    """Another process holds the DuckDB file (DuckDB allows one writer process)."""


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(
                f"the warehouse {path} is in use by another process; try again when it finishes"
            ) from None
        raise
    con.execute("set memory_limit = '1GB'")
    # Raw rows carry their file row number; physical order is not needed and costs 2x on insert.
    con.execute("set preserve_insertion_order = false")
    if not read_only:
        ensure_schema(con)
    return con
