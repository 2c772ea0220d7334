"""Warehouse tables derived from the source contracts.

`raw.<source>` holds every loaded version of every row (append-only history); the latest
version of a natural key is the one with the highest `_load_id`. The lineage columns below
let every mart row be traced back to a file and a row in it.
"""

from __future__ import annotations

import re
from typing import Any

from duckdb import DuckDBPyConnection

from ingestion.contracts import Contract, all_contracts
from warehouse.audit import AUDIT_TABLES, AuditTable

#: Lineage columns appended to every raw table, in this order.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_row_number", "INTEGER"),
    ("_load_id", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
)


def raw_table_columns(contract: Contract) -> list[tuple[str, str]]:
    cols = [(c.name, c.sql_type) for c in contract.columns]
    return cols + list(LINEAGE_COLUMNS)


def child_table_columns(contract: Contract) -> dict[str, list[tuple[str, str]]]:
    return {
        t.name: [(c.name, c.sql_type) for c in t.columns] + list(LINEAGE_COLUMNS)
        for t in contract.child_tables
    }


def _postgres(con: Any) -> bool:
    """A PostgreSQL warehouse (`warehouse.pg_load.PgConnection`) rather than DuckDB."""
    return getattr(con, "dialect", "duckdb") == "postgres"


def _spelt(con: Any, declared: str) -> str:
    """A declared type as the engine spells it: of the types qcity declares only DOUBLE
    differs (PostgreSQL says DOUBLE PRECISION)."""
    return re.sub(r"^DOUBLE\b", "DOUBLE PRECISION", declared) if _postgres(con) else declared


def _create_or_extend(
    con: DuckDBPyConnection,
    table: str,
    cols: list[tuple[str, str]],
    primary_key: tuple[str, ...] = (),
) -> None:
    """Create the table, or add the columns a newer contract brought (never drops)."""
    schema, name = table.split(".")
    existing = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    if not existing:
        body = ", ".join(f'"{c}" {_spelt(con, t)}' for c, t in cols)
        if primary_key:
            body += ", primary key (" + ", ".join(f'"{c}"' for c in primary_key) + ")"
        con.execute(f'create table {schema}."{name}" ({body})')
        return
    for c, t in cols:
        if c not in existing:
            plain_type = _spelt(con, t.split()[0])
            con.execute(f'alter table {schema}."{name}" add column "{c}" {plain_type}')


def ensure_schema(con: DuckDBPyConnection) -> None:
    """Create the raw and audit schemas and tables; safe to call on every connection.

    One transaction, so a process killed half-way leaves no half-made warehouse; on
    PostgreSQL under a lock, as loaders on several hosts may start at once."""
    con.begin()
    try:
        if _postgres(con):
            con.execute("select pg_advisory_xact_lock(hashtextextended('qcity.schema', 0))")
        con.execute("create schema if not exists raw")
        con.execute("create schema if not exists audit")
        con.execute("create sequence if not exists audit.load_id_seq start 1")
        for contract in all_contracts():
            _create_or_extend(con, f"raw.{contract.name}", raw_table_columns(contract))
            for child, cols in child_table_columns(contract).items():
                _create_or_extend(con, f"raw.{child}", cols)
        for table in AUDIT_TABLES:
            _create_or_extend(con, table.name, list(table.columns), table.primary_key)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def ensure_audit_table(con: DuckDBPyConnection, table: AuditTable) -> None:
    """One audit table created if missing (for a connection `ensure_schema` did not open)."""
    con.execute("create schema if not exists audit")
    _create_or_extend(con, table.name, list(table.columns), table.primary_key)
