"""Loading one export file into the DuckDB warehouse: all of its good rows or nothing.

A file is hashed first: bytes already loaded are recorded as a duplicate and not loaded
again. Otherwise every row lands in `raw.<source>` (with lineage) or `audit.quarantine`
(with its reasons) inside one transaction, which is rolled back whole when the file turns
out to be unacceptable (no data, too many bad rows). Raw tables are append-only: a
corrected re-export adds new versions, and the newest `_load_id` of a key is current.

What is read, parsed and judged is `ingestion.pipeline`'s; this module is the transaction
around it (raw and child tables, quarantine, manifest, validation runs, the file's
alerts), `ingestion.pipeline.FileLoader` for both engines. What differs between DuckDB
and PostgreSQL (transactions, bulk appends, the in-file key check's hash and JSON, the
per-file lock) is a `RowWriter`: `DuckDBWrites` here (good rows streamed into one INSERT,
see warehouse.stream), `warehouse.pg_load.PostgresWrites` (COPY) for a PostgreSQL
warehouse, whose connection speaks DuckDB's API for the rest.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import pyarrow as pa

from alerts.callbacks import report_load_fault
from alerts.outbox import enqueue_file_alerts
from ingestion import pipeline
from ingestion.contracts import Contract
from ingestion.errors import FileRejected, LoadFault, as_fault
from ingestion.pipeline import (
    QUARANTINE,
    WORKBOOK_ROWS,
    FilePlan,
    HeaderMatch,
    LoadResult,
    ParsedBatch,
    RawTable,
    RestartExact,
    Target,
    file_sha256,
)
from qcity.settings import debug
from warehouse.audit import FINAL_SQL, insert_row, quarantined_rows
from warehouse.stream import SpilledTables, insert_stream

if TYPE_CHECKING:
    from ingestion.validation.runner import FileValidator, ValidationSummary
    from warehouse.pg_load import PgConnection

__all__ = ["FINAL_SQL", "DuckDBWrites", "LoadResult", "Loader", "RowWriter", "file_sha256"]

#: DuckDB's casts of lineage values (Python ints and datetimes bind as narrower types)
_CASTS = {"_load_id": "::bigint", "_loaded_at": "::timestamp", "load_id": "::bigint",
          "quarantined_at": "::timestamp"}  # fmt: skip


class RowWriter(Protocol):
    """The part of a load that differs between engines (both connections begin and commit
    alike: the loader calls them on the connection). `lineage` is the constant columns
    every appended row gets (file, hash, load id, time), by name."""

    #: the engine's errors, suppressed where a failed statement is being cleaned up after
    errors: tuple[type[BaseException], ...]
    #: SQL true for the rows whose `_row_number` is in the list bound to its `?`
    row_in_list: str

    def rollback_quietly(self, everything: bool = False) -> None: ...

    def file_lock(self, sha: str) -> AbstractContextManager[None]:
        """Held while a file is decided and loaded: the same bytes at once load once."""
        ...

    def append_stream(
        self, table: str, tables: Iterable[pa.Table], lineage: Mapping[str, Any]
    ) -> None: ...
    def append_parquet(self, table: str, path: Path, lineage: Mapping[str, Any]) -> None: ...
    def append(self, table: str, data: pa.Table, lineage: Mapping[str, Any]) -> None: ...
    def row_hash_sql(self, columns: str) -> str: ...
    def row_json_sql(self, names: Sequence[str]) -> str: ...


class DuckDBWrites:
    """DuckDB's side of a load: one writer process holds the file, so no file lock."""

    errors: tuple[type[BaseException], ...] = (duckdb.Error,)
    row_in_list = "list_contains(?, _row_number)"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def rollback_quietly(self, everything: bool = False) -> None:
        """Roll back the open transaction, if any; after a fault (`everything`), whatever
        DuckDB says: the fault being reported matters, not a second error about it."""
        errors = duckdb.Error if everything else duckdb.TransactionException
        with contextlib.suppress(errors):  # none was open
            self.con.rollback()

    def file_lock(self, sha: str) -> AbstractContextManager[None]:
        return contextlib.nullcontext()

    def append_stream(
        self, table: str, tables: Iterable[pa.Table], lineage: Mapping[str, Any]
    ) -> None:
        insert_stream(self.con, table, tables, _lineage_sql(lineage), list(lineage.values()))

    def append_parquet(self, table: str, path: Path, lineage: Mapping[str, Any]) -> None:
        params = list(lineage.values())
        self.con.execute(
            f"insert into {table} by name select *, {_lineage_sql(lineage)} "
            f"from read_parquet(${len(params) + 1})",
            [*params, str(path)],
        )

    def append(self, table: str, data: pa.Table, lineage: Mapping[str, Any]) -> None:
        self.con.register("_qcity_batch", data)
        try:
            self.con.execute(
                f"insert into {table} by name select *, {_lineage_sql(lineage)} from _qcity_batch",
                list(lineage.values()),
            )
        finally:
            self.con.unregister("_qcity_batch")

    def row_hash_sql(self, columns: str) -> str:
        return f"hash({columns})"

    def row_json_sql(self, names: Sequence[str]) -> str:
        struct = ", ".join(f'"{c}" := "{c}"' for c in names)
        return f"to_json(struct_pack({struct}))"


def _lineage_sql(lineage: Mapping[str, Any]) -> str:
    return ", ".join(
        f'${i}{_CASTS.get(name, "")} as "{name}"' for i, name in enumerate(lineage, start=1)
    )


def writes_for(con: Any) -> RowWriter:
    """The engine half of a load on `con`: a PostgreSQL connection names its own."""
    return con.writes() if hasattr(con, "writes") else DuckDBWrites(con)


class Loader:
    """Loads files into one warehouse connection (DuckDB, or PostgreSQL through
    `warehouse.pg_load.PgConnection`), one transaction per file."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | PgConnection,
        now: Callable[[], datetime] = datetime.now,
        dry_run: bool = False,
    ) -> None:
        self.con = con
        self.db = writes_for(con)
        self.now = now
        #: validate only: every file's transaction is rolled back and nothing is recorded
        self.dry_run = dry_run
        self._pending_validation: dict[str, Any] | None = None

    # -- public --------------------------------------------------------------------------

    def ingest(
        self, path: Path, source: str | None = None, on_rows: Callable[[int], None] | None = None
    ) -> LoadResult:
        """The file's first load; the loads of its further sheets are in `.more`."""
        first, *more = self.ingest_sheets(path, source, on_rows)
        first.more = more
        return first

    def ingest_sheets(
        self, path: Path, source: str | None = None, on_rows: Callable[[int], None] | None = None
    ) -> list[LoadResult]:
        """One load per data sheet (a CSV is one sheet), each its own transaction, load id
        and manifest row naming the sheet; the first also notes the sheets without data.
        Each is `loaded`, `duplicate` or `rejected` (a decision on its content).

        Raises `LoadFault` when the machine failed instead (a full disk, a permission,
        memory, a lock, a bug): the open transaction is rolled back, no manifest row and no
        department alert are written for the failing sheet, the data team is alerted, and
        the file can simply be loaded again later: sheets that already have a final
        decision are then passed over, the others load.
        """
        try:
            return self._ingest_sheets(path, source, on_rows)
        except Exception as exc:
            self._pending_validation = None
            self._rollback_quietly(everything=True)
            if debug():
                raise
            fault = as_fault(exc)
            if not self.dry_run:
                _alert_data_team(self.con, fault, path)
            raise fault from exc

    def _ingest_sheets(
        self, path: Path, source: str | None, on_rows: Callable[[int], None] | None
    ) -> list[LoadResult]:
        sha = file_sha256(path)
        # Another process loading the same bytes finishes first; then they are decided.
        with self.db.file_lock(sha):
            return self._ingest_file(path, sha, source, on_rows)

    def _ingest_file(
        self, path: Path, sha: str, source: str | None, on_rows: Callable[[int], None] | None
    ) -> list[LoadResult]:
        received_at = self.now()
        result = LoadResult(file=path.name, source=source, sha256=sha, status="loaded")
        decided = {} if self.dry_run else self._decided_sheets(sha)
        result.load_id = self._next_load_id()
        if None in decided:  # a CSV (one unnamed table) decided before: no need to read it
            return [self._duplicate(result, path, received_at, decided)]
        file_format = encoding = None
        try:
            with pipeline.open_file(path) as export:
                file_format, encoding = export.file_format, export.encoding
                sheets = pipeline.classify(export.tables, source)
                todo = [(t, m) for t, m in sheets.data if t.name not in decided]
                if decided and not todo:
                    return [self._duplicate(result, path, received_at, decided)]
                # Only now is there something to validate: duplicates and files rejected
                # before validation never import Great Expectations.
                pipeline.import_validation_in_background()
                if not decided:
                    result.sheet_notes = sheets.notes
                results = []
                several = len(sheets.data) > 1
                for table, match in todo:
                    sheet = result if not results else self._next_result(result)
                    sheet.source = match.contract.name
                    sheet.sheet = table.name
                    sheet.sheet_label = table.name if several else None
                    fmt = (file_format, encoding)
                    self._ingest_sheet(sheet, path, table, match, received_at, on_rows, fmt)
                    results.append(sheet)
                return results
        except FileRejected as exc:
            self._reject(result, path, exc)
        self._record(result, path, received_at, file_format, encoding)
        return [result]

    def _duplicate(
        self,
        result: LoadResult,
        path: Path,
        received_at: datetime,
        decided: dict[str | None, str],
    ) -> LoadResult:
        result.status, result.source = "duplicate", next(iter(decided.values()))
        self._record(result, path, received_at, None, None)
        return result

    def _decided_sheets(self, sha: str) -> dict[str | None, str]:
        """Sheets of these bytes already decided (loaded, or rejected for their content),
        with their source: they are not loaded again. A sheet whose load the machine broke
        off has no manifest row, so it loads when the file comes again; a file none of whose
        sheets loaded is judged again."""
        rows = self.con.execute(
            f"select sheet, source, status from audit.file_manifest where file_sha256 = ? "
            f"and status <> 'duplicate' and {FINAL_SQL} order by load_id",
            [sha],
        ).fetchall()
        if not any(status == "loaded" for _, _, status in rows):
            return {}  # rejected whole before: judged again, and said again
        return {sheet: source for sheet, source, _ in rows}

    def _next_result(self, first: LoadResult) -> LoadResult:
        return LoadResult(
            file=first.file,
            source=None,
            sha256=first.sha256,
            status="loaded",
            load_id=self._next_load_id(),
        )

    def _ingest_sheet(
        self,
        result: LoadResult,
        path: Path,
        table: RawTable,
        match: HeaderMatch,
        received_at: datetime,
        on_rows: Callable[[int], None] | None,
        fmt: tuple[str | None, str | None],
    ) -> None:
        """One sheet's load; a rejection rejects this sheet's load and is recorded."""

        def record() -> None:
            self._record(result, path, received_at, *fmt)

        try:
            plan = FilePlan.build(match.contract, match, path.name, received_at.date())
            self._load(result, [Target(table, plan)], received_at, on_rows, record)
            return
        except FileRejected as exc:
            self._reject(result, path, exc)
        record()

    def _reject(self, result: LoadResult, path: Path, exc: FileRejected) -> None:
        """The file (or sheet) rejected whole, with a sentence; no traceback reaches a user."""
        self._rollback_quietly()
        result.status, result.reject_rule = "rejected", exc.rule
        label = result.sheet_label
        name = f"{path.name}［{label}］" if label else path.name
        result.error, result.error_en = exc.message_zh(name), exc.message_en(name)
        result.rows_loaded = result.rows_quarantined = 0

    # -- the transaction ------------------------------------------------------------------

    def _load(
        self,
        result: LoadResult,
        targets: list[Target],
        received_at: datetime,
        on_rows: Callable[[int], None] | None,
        record: Callable[[], None],
    ) -> None:
        """The file's rows, quarantine, manifest and validation run: one transaction."""
        contract = targets[0].plan.contract
        result.header_row = pipeline.header_row(targets[0])
        result.file_name_values = dict(targets[0].plan.file_name_words)
        self.con.begin()
        # reading starts while GX imports
        parsed = pipeline.ReadAhead(pipeline.parsed(targets, exact=False))
        try:
            validator = pipeline.file_validator(
                contract, received_at.date(), f"load-{result.load_id}"
            )
        except BaseException:
            parsed.close()
            raise
        try:
            self._load_rows(result, targets, parsed, validator, received_at, on_rows)
            started = time.perf_counter()
            self._quarantine_duplicates(result, contract, targets[0])
            result.timings["deduplicate"] = time.perf_counter() - started
            insert_row(
                self.con,
                "audit.load_header",
                {
                    "load_id": result.load_id,
                    "header_row": json.dumps(result.header_row, ensure_ascii=False),
                    "file_name_values": json.dumps(result.file_name_values, ensure_ascii=False),
                },
            )
            result.rows_loaded = self._count(f'raw."{contract.name}"', "_load_id", result.load_id)
            result.rows_quarantined = self._count("audit.quarantine", "load_id", result.load_id)
            assert result.rows_read == result.rows_loaded + result.rows_quarantined, result
            validator.check_file(result.rows_read, result.rows_quarantined)
            self._record_validation(result, validator.summary())
            if self.dry_run:
                result.status = "valid"
                self._rollback_quietly()
            else:
                record()
                self.con.commit()
        except BaseException as exc:
            if isinstance(exc, FileRejected) and not result.rejected_rows:
                # (after a failed statement the transaction is gone, and so are the rows)
                with contextlib.suppress(*self.db.errors):
                    result.rejected_rows = quarantined_rows(self.con, result.load_id)
            self._rollback_quietly(everything=True)
            if isinstance(exc, FileRejected):
                self._record_validation(result, validator.summary(rejected_rule=exc.rule))
            raise

    def _load_rows(
        self,
        result: LoadResult,
        targets: list[Target],
        parsed: pipeline.ReadAhead[tuple[FilePlan, ParsedBatch]],
        validator: FileValidator,
        received_at: datetime,
        on_rows: Callable[[int], None] | None,
    ) -> None:
        try:
            with parsed:
                self._stream_rows(result, targets, parsed, validator, received_at, on_rows)
        except RestartExact:
            # The fast CSV reader met a row it cannot place; the exact reader starts over.
            self._rollback_quietly()
            self.con.begin()
            result.rows_read = result.rows_skipped = result.control_chars_removed = 0
            result.skip_log.clear()
            validator.restart()
            with pipeline.ReadAhead(pipeline.parsed(targets, exact=True)) as parsed:
                self._stream_rows(result, targets, parsed, validator, received_at, on_rows)

    def _stream_rows(
        self,
        result: LoadResult,
        targets: list[Target],
        parsed: Iterator[tuple[FilePlan, ParsedBatch]],
        validator: FileValidator,
        received_at: datetime,
        on_rows: Callable[[int], None] | None,
    ) -> None:
        """Good rows in one streamed INSERT; child and quarantined rows spilled, then one
        INSERT each (see warehouse.stream for why)."""
        contract = targets[0].plan.contract
        lineage = {
            "_source_file": result.file,
            "_file_sha256": result.sha256,
            "_load_id": result.load_id,
            "_loaded_at": received_at,
        }
        started = time.perf_counter()
        with SpilledTables() as side:
            good = pipeline.judged(result, parsed, validator, on_rows, side)
            try:
                self.db.append_stream(f'raw."{contract.name}"', good, lineage)
            except FileRejected:
                result.rejected_rows = side.head(QUARANTINE, WORKBOOK_ROWS)
                raise
            for name in side.finish():
                table, extra = (
                    ("audit.quarantine", self._quarantine_lineage(result, contract))
                    if name == QUARANTINE
                    else (f'raw."{name}"', lineage)
                )
                self.db.append_parquet(table, side.path(name), extra)
        result.timings["load_rows"] = time.perf_counter() - started
        result.timings["validate"] = validator.seconds

    def _quarantine_lineage(self, result: LoadResult, contract: Contract) -> dict[str, Any]:
        return {
            "load_id": result.load_id,
            "file_sha256": result.sha256,
            "file_name": result.file,
            "source": contract.name,
            "quarantined_at": self.now(),
        }

    def _quarantine_duplicates(
        self, result: LoadResult, contract: Contract, target: Target
    ) -> None:
        """Same key twice in one file: exact repeats keep the first, conflicts keep none.

        The rows are in the raw table as typed (铜鼓县 read as 360926); the quarantine keeps
        the cells as the clerk typed them, read again from the file for these rows only."""
        table = f'raw."{contract.name}"'
        key = ", ".join(f'"{k}"' for k in contract.natural_key)
        cols = ", ".join(f'"{c}"' for c in contract.column_names)
        dups = self.con.execute(
            f"""
            with repeated as (
                select {key} from {table} where _load_id = ?
                group by {key} having count(*) > 1
            ), loaded as (
                select _row_number, {key}, {self.db.row_hash_sql(cols)} as row_hash,
                       {self.db.row_json_sql(contract.column_names)} as row_json
                from {table} join repeated using ({key})
                where _load_id = ?
            ), keys as (
                select {key}, count(distinct row_hash) as variants, min(_row_number) as first_row
                from loaded group by {key}
            )
            select l._row_number, k.variants > 1 as conflicting, k.first_row, l.row_json,
                   concat_ws(' / ', {key}) as key_text
            from loaded l join keys k using ({key})
            where k.variants > 1 or l._row_number <> k.first_row
            order by l._row_number
            """,
            [result.load_id, result.load_id],
        ).fetchall()
        if not dups:
            return
        rows = pipeline.duplicate_rows(target, dups)
        numbers = [r.row_number for r in rows]
        for name in [contract.name, *(child.name for child in contract.child_tables)]:
            self.con.execute(
                f'delete from raw."{name}" where _load_id = ? and {self.db.row_in_list}',
                [result.load_id, numbers],
            )
        self.db.append(
            "audit.quarantine",
            pipeline.quarantine_table(target.plan, rows),
            self._quarantine_lineage(result, contract),
        )

    # -- bookkeeping ----------------------------------------------------------------------

    def _record_validation(self, result: LoadResult, summary: ValidationSummary) -> None:
        """One row per file and suite in audit.validation_runs, written after any rollback."""
        self._pending_validation = pipeline.validation_row(result, summary)

    def _next_load_id(self) -> int:
        return self.con.execute("select nextval('audit.load_id_seq')").fetchone()[0]

    def _count(self, table: str, column: str, load_id: int | None) -> int:
        return self.con.execute(
            f"select count(*) from {table} where {column} = ?", [load_id]
        ).fetchone()[0]

    def _rollback_quietly(self, everything: bool = False) -> None:
        self.db.rollback_quietly(everything)

    def _record(
        self,
        result: LoadResult,
        path: Path,
        received_at: datetime,
        file_format: str | None,
        encoding: str | None,
    ) -> None:
        pending, self._pending_validation = self._pending_validation, None
        if self.dry_run:
            return
        # The file's alerts are written with the result they report: same transaction.
        enqueue_file_alerts(self.con, result)
        if pending:
            insert_row(self.con, "audit.validation_runs", pending)
        insert_row(
            self.con,
            "audit.file_manifest",
            {
                "load_id": result.load_id,
                "file_sha256": result.sha256,
                "file_name": result.file,
                "file_path": str(path),
                "file_size_bytes": path.stat().st_size,
                "source": result.source,
                "status": result.status,
                "rows_read": result.rows_read,
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "rows_skipped": result.all_rows_skipped(),
                "control_chars_removed": result.control_chars_removed,
                "error": result.error,
                "error_en": result.error_en,
                "reject_rule": result.reject_rule,
                "encoding": encoding,
                "file_format": file_format,
                "received_at": received_at,
                "finished_at": self.now(),
                "sheet": result.sheet,
                "skipped": json.dumps([n.as_dict() for n in result.skipped()], ensure_ascii=False),
            },
        )


def _alert_data_team(con: duckdb.DuckDBPyConnection, fault: LoadFault, path: Path) -> None:
    """Tell the data team, never the department; an alert that cannot be written is logged
    (the disk may be the very thing that is full) and never hides the fault itself."""
    try:
        report_load_fault(con, fault, path.name)
    except Exception:  # pragma: no cover - logged by report_load_fault's own fallbacks
        logging.getLogger(__name__).exception("could not alert the data team about %s", path)
