"""The audit tables: what every load, check and alert left behind, and how it is read.

Each audit table is declared here once (its columns and types); `warehouse.schema` creates
them, every writer inserts by column name (`insert_row`), and readers share the queries
below. A second engine (PostgreSQL) creates the same tables from the same declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

from ingestion.pipeline import QUARANTINE_SCHEMA, WORKBOOK_ROWS, LoadResult

#: audit.file_manifest rows that are final decisions about the bytes. Rejections under
#: `validation_error` were the old loader's name for any error, a full disk included, and
#: DuckDB's "CSV Error on Line" came from the fast reader before it re-read such files
#: exactly: neither judged the content, so those bytes are tried again when they come back.
FINAL_SQL = """(status in ('loaded', 'duplicate')
    or (status = 'rejected' and reject_rule is distinct from 'validation_error'
        and not (reject_rule = 'unreadable' and coalesce(error_en, '') like '%CSV Error on Line%')))"""


def insert_row(con: duckdb.DuckDBPyConnection, table: str, row: Mapping[str, Any]) -> None:
    """One row into an audit table, by column name (a column added later cannot shift the
    others; columns not named take their default)."""
    columns = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"insert into {table} ({columns}) values ({marks})", list(row.values()))


def quarantined_rows(
    con: duckdb.DuckDBPyConnection, load_id: int | None, limit: int = WORKBOOK_ROWS
) -> list[dict[str, Any]]:
    """A load's quarantined rows, first rows first, as dicts of audit.quarantine's columns."""
    cursor = con.execute(
        f"select {', '.join(QUARANTINE_SCHEMA.names)} from audit.quarantine "
        "where load_id = ? order by row_number limit ?",
        [load_id, limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def rows_at_fault(
    con: duckdb.DuckDBPyConnection, result: LoadResult, limit: int = WORKBOOK_ROWS
) -> list[dict[str, Any]]:
    """The rows a clerk must fix: from audit.quarantine for a loaded file, and for a rejected
    one the rows kept in memory before its rollback (the warehouse keeps none of them)."""
    if result.status == "rejected":
        return result.rejected_rows[:limit]
    return quarantined_rows(con, result.load_id, limit)
