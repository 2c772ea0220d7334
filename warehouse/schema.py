"""Warehouse tables derived from the source contracts.

`raw.<source>` holds every loaded version of every row (append-only history); the latest
version of a natural key is the one with the highest `_load_id`. The lineage columns below
let every mart row be traced back to a file and a row in it.
"""

from __future__ import annotations

from duckdb import DuckDBPyConnection

from ingestion.contracts import Contract, all_contracts

#: Lineage columns appended to every raw table, in this order.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_row_number", "INTEGER"),
    ("_load_id", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
)

FILE_MANIFEST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "BIGINT PRIMARY KEY"),
    ("file_sha256", "VARCHAR NOT NULL"),
    ("file_name", "VARCHAR NOT NULL"),
    ("file_path", "VARCHAR"),
    ("file_size_bytes", "BIGINT"),
    ("source", "VARCHAR"),
    ("status", "VARCHAR NOT NULL"),  # loaded | duplicate | rejected
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("rows_skipped", "BIGINT"),  # not data: see `skipped`
    ("control_chars_removed", "BIGINT"),  # NUL and other control characters taken out of cells
    ("error", "VARCHAR"),
    ("error_en", "VARCHAR"),
    ("reject_rule", "VARCHAR"),
    ("encoding", "VARCHAR"),
    ("file_format", "VARCHAR"),
    ("received_at", "TIMESTAMP NOT NULL"),
    ("finished_at", "TIMESTAMP"),
    # A workbook's sheets load one by one: the sheet of this load (null for a CSV).
    ("sheet", "VARCHAR"),
    # What was passed over and why, as JSON: [{sheet, rule, rows, row_numbers, reason_zh,
    # reason_en}] for blank, repeated-header and trailer rows and for the file's sheets
    # without data (instructions, empty, unrecognised; on the file's first load). The rows
    # add up to rows_skipped: rows read + rows skipped covers every row of the file.
    ("skipped", "JSON"),
)

QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "BIGINT NOT NULL"),
    ("file_sha256", "VARCHAR NOT NULL"),
    ("file_name", "VARCHAR"),
    ("source", "VARCHAR NOT NULL"),
    ("row_number", "INTEGER NOT NULL"),
    ("column_name", "VARCHAR"),
    ("column_header", "VARCHAR"),  # the column as the file named it
    ("rule", "VARCHAR NOT NULL"),
    ("value", "VARCHAR"),
    ("reason_zh", "VARCHAR NOT NULL"),
    ("reason_en", "VARCHAR NOT NULL"),
    # every rule the row broke, first one repeated above; `position` is the cell's index
    ("problems", "JSON"),
    # the row's cells as typed, in the file's order (["T001", "", "铜鼓县", …]); the header
    # row is audit.load_header's
    ("original_row", "JSON NOT NULL"),
    ("quarantined_at", "TIMESTAMP NOT NULL"),
)

#: The header row of each load's sheet as the file had it, once per load: audit.quarantine's
#: original_row is a JSON array of the row's cells in this order. file_name_values holds the
#: columns the file name supplied ({"抽检类型": "食品"}): the correction workbook shows them.
LOAD_HEADER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "BIGINT NOT NULL"),
    ("header_row", "JSON NOT NULL"),
    ("file_name_values", "JSON"),
)


VALIDATION_RUNS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "VARCHAR NOT NULL"),
    ("load_id", "BIGINT NOT NULL"),
    ("source", "VARCHAR NOT NULL"),
    ("file_sha256", "VARCHAR NOT NULL"),
    ("file_name", "VARCHAR"),
    ("success", "BOOLEAN NOT NULL"),
    ("expectations_evaluated", "INTEGER NOT NULL"),
    ("expectations_failed", "INTEGER NOT NULL"),
    ("rows_evaluated", "BIGINT NOT NULL"),
    ("rows_failed", "BIGINT NOT NULL"),
    ("failed_rules", "JSON"),
    ("started_at", "TIMESTAMP NOT NULL"),
    ("finished_at", "TIMESTAMP NOT NULL"),
    ("data_docs_page", "VARCHAR"),
)


#: One alert to one department over one channel; written in the transaction of the result it
#: reports, then sent and marked delivered by alerts.sender (see alerts/outbox.py).
ALERT_OUTBOX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("delivery_id", "VARCHAR PRIMARY KEY"),  # from dedup_key, department and channel
    ("dedup_key", "VARCHAR NOT NULL"),
    ("kind", "VARCHAR NOT NULL"),  # file_rejected | rows_quarantined | delivery_overdue | ...
    ("department_code", "VARCHAR NOT NULL"),
    ("channel", "VARCHAR NOT NULL"),  # email | webhook
    ("subject", "VARCHAR NOT NULL"),
    ("payload", "JSON NOT NULL"),  # the facts the alert reports, rendered when sent
    ("created_at", "TIMESTAMP NOT NULL"),
    ("next_attempt_at", "TIMESTAMP NOT NULL"),
    ("source", "VARCHAR"),
    ("load_id", "BIGINT"),
    ("file_name", "VARCHAR"),
    ("attachment_expected", "BOOLEAN NOT NULL"),
    ("attachment_path", "VARCHAR"),  # the correction workbook, recorded after the run
    ("attempts", "INTEGER NOT NULL"),
    ("claimed_by", "VARCHAR"),  # the sender holding it until claimed_until
    ("claimed_until", "TIMESTAMP"),
    ("last_attempt_at", "TIMESTAMP"),
    ("last_error", "VARCHAR"),
    ("delivered_at", "TIMESTAMP"),
    ("delivered_to", "VARCHAR"),
)


def raw_table_columns(contract: Contract) -> list[tuple[str, str]]:
    cols = [(c.name, c.sql_type) for c in contract.columns]
    return cols + list(LINEAGE_COLUMNS)


def child_table_columns(contract: Contract) -> dict[str, list[tuple[str, str]]]:
    return {
        t.name: [(c.name, c.sql_type) for c in t.columns] + list(LINEAGE_COLUMNS)
        for t in contract.child_tables
    }


def _create_or_extend(con: DuckDBPyConnection, table: str, cols: list[tuple[str, str]]) -> None:
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
        body = ", ".join(f'"{c}" {t}' for c, t in cols)
        con.execute(f'create table {schema}."{name}" ({body})')
        return
    for c, t in cols:
        if c not in existing:
            plain_type = t.split()[0]
            con.execute(f'alter table {schema}."{name}" add column "{c}" {plain_type}')


def ensure_schema(con: DuckDBPyConnection) -> None:
    """Create the raw and audit schemas and tables; safe to call on every connection.

    One transaction, so a process killed half-way leaves no half-made warehouse."""
    con.begin()
    try:
        con.execute("create schema if not exists raw")
        con.execute("create schema if not exists audit")
        con.execute("create sequence if not exists audit.load_id_seq start 1")
        for contract in all_contracts():
            _create_or_extend(con, f"raw.{contract.name}", raw_table_columns(contract))
            for child, cols in child_table_columns(contract).items():
                _create_or_extend(con, f"raw.{child}", cols)
        _create_or_extend(con, "audit.file_manifest", list(FILE_MANIFEST_COLUMNS))
        _create_or_extend(con, "audit.quarantine", list(QUARANTINE_COLUMNS))
        _create_or_extend(con, "audit.load_header", list(LOAD_HEADER_COLUMNS))
        _create_or_extend(con, "audit.validation_runs", list(VALIDATION_RUNS_COLUMNS))
        _create_or_extend(con, "audit.alert_outbox", list(ALERT_OUTBOX_COLUMNS))
        con.commit()
    except BaseException:
        con.rollback()
        raise
