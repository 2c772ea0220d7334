"""The audit tables: what every load, check and alert left behind, and how it is read.

Each audit table is declared here once (its columns and types); `warehouse.schema` creates
them, every writer inserts by column name (`insert_row`), and readers share the queries
below. A second engine (PostgreSQL) creates the same tables from the same declarations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from ingestion.pipeline import QUARANTINE_SCHEMA, WORKBOOK_ROWS, LoadResult


@dataclass(frozen=True)
class AuditTable:
    """One audit table: its schema-qualified name, columns with their types, and the
    primary key when it spans several columns (a one-column key is in its type)."""

    name: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


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

#: What became of each listed landing file in each Airflow run (orchestration.ingest): the
#: ledger that makes a re-run of an ingest task idempotent.
LANDING_MOVES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "VARCHAR NOT NULL"),
    ("folder", "VARCHAR NOT NULL"),  # landing sub-folder: the source, or _unsorted
    ("file_name", "VARCHAR NOT NULL"),  # path inside the landing folder
    ("size_bytes", "BIGINT NOT NULL"),
    ("mtime_ns", "BIGINT NOT NULL"),
    # loaded | duplicate | rejected | already_recorded | changed | gone | unreadable (left
    # in landing)
    ("status", "VARCHAR NOT NULL"),
    ("source", "VARCHAR"),
    ("file_sha256", "VARCHAR"),
    ("load_id", "BIGINT"),
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_quarantined", "BIGINT"),
    ("error", "VARCHAR"),
    ("moved_to", "VARCHAR"),
    ("map_index", "INTEGER"),  # the mapped task that handled the file
    ("result_json", "JSON"),  # the load result the correction workbook needs
    ("handled_at", "TIMESTAMP NOT NULL"),
)

#: The day's freshness check of each source (orchestration.freshness).
SOURCE_FRESHNESS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("checked_on", "DATE NOT NULL"),
    ("source", "VARCHAR NOT NULL"),
    ("department", "VARCHAR NOT NULL"),
    ("title_zh", "VARCHAR NOT NULL"),
    ("cadence_days", "INTEGER NOT NULL"),
    ("last_received_at", "TIMESTAMP"),  # last file of any outcome
    ("last_loaded_at", "TIMESTAMP"),  # last file that loaded
    ("last_file", "VARCHAR"),  # name of the last file received
    ("files_received", "BIGINT NOT NULL"),
    ("days_since_delivery", "INTEGER"),  # null when nothing ever came
    ("due_on", "DATE"),  # last delivery + cadence; null when never delivered
    ("is_overdue", "BOOLEAN NOT NULL"),
)

FILE_MANIFEST = AuditTable("audit.file_manifest", FILE_MANIFEST_COLUMNS)
QUARANTINE = AuditTable("audit.quarantine", QUARANTINE_COLUMNS)
LOAD_HEADER = AuditTable("audit.load_header", LOAD_HEADER_COLUMNS)
VALIDATION_RUNS = AuditTable("audit.validation_runs", VALIDATION_RUNS_COLUMNS)
ALERT_OUTBOX = AuditTable("audit.alert_outbox", ALERT_OUTBOX_COLUMNS)
LANDING_MOVES = AuditTable(
    "audit.landing_moves", LANDING_MOVES_COLUMNS, ("run_id", "folder", "file_name")
)
SOURCE_FRESHNESS = AuditTable(
    "audit.source_freshness", SOURCE_FRESHNESS_COLUMNS, ("checked_on", "source")
)
#: every audit table, in the order `warehouse.schema.ensure_schema` creates them
AUDIT_TABLES: tuple[AuditTable, ...] = (
    FILE_MANIFEST,
    QUARANTINE,
    LOAD_HEADER,
    VALIDATION_RUNS,
    ALERT_OUTBOX,
    LANDING_MOVES,
    SOURCE_FRESHNESS,
)


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


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    """Rows into an audit table, by column name (every row names the same columns)."""
    rows = list(rows)
    if not rows:
        return
    columns = ", ".join(f'"{c}"' for c in rows[0])
    marks = ", ".join("?" for _ in rows[0])
    con.executemany(
        f"insert into {table} ({columns}) values ({marks})", [list(r.values()) for r in rows]
    )


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
