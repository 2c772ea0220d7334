"""Loading one export file into the warehouse: all of its good rows or nothing.

A file is hashed first: bytes already loaded are recorded as a duplicate and not loaded
again. Otherwise every row lands in `raw.<source>` (with lineage) or `audit.quarantine`
(with its reasons) inside one transaction, which is rolled back whole when the file turns
out to be unacceptable (no data, too many bad rows). Raw tables are append-only: a
corrected re-export adds new versions, and the newest `_load_id` of a key is current.

Memory does not grow with the file: batches are read, parsed and judged as a pipeline
(reading and parsing run ahead on threads of their own) and streamed into one INSERT
(see warehouse.stream).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contracts import Contract, common_rules
from ingestion.engine import FilePlan, ParsedBatch, QuarantinedRow, judge_batch, parse_batch
from ingestion.errors import FileRejected, LoadFault, as_fault, machine_fault
from ingestion.header import HeaderMatch
from ingestion.normalize.text import strip_control
from ingestion.problems import Problem, encode
from ingestion.readers import open_export
from ingestion.readers.base import RawTable, RestartExact
from ingestion.repeats import remap_repeated_headers
from ingestion.skips import Skip, SkipLog
from warehouse.sheets import classify
from warehouse.stream import ReadAhead, SpilledTables, insert_stream

if TYPE_CHECKING:
    from ingestion.validation.runner import FileValidator, ValidationSummary

#: audit.file_manifest rows that are final decisions about the bytes. Rejections under
#: `validation_error` were the old loader's name for any error, a full disk included, and
#: DuckDB's "CSV Error on Line" came from the fast reader before it re-read such files
#: exactly: neither judged the content, so those bytes are tried again when they come back.
FINAL_SQL = """(status in ('loaded', 'duplicate')
    or (status = 'rejected' and reject_rule is distinct from 'validation_error'
        and not (reject_rule = 'unreadable' and coalesce(error_en, '') like '%CSV Error on Line%')))"""

_HASH_CHUNK = 1 << 22
_QUARANTINE = "quarantine"
#: the rows of a file a correction workbook lists at most
_WORKBOOK_ROWS = 10_000
_LINEAGE_SQL = (
    "$1 as _source_file, $2 as _file_sha256, $3::bigint as _load_id, $4::timestamp as _loaded_at"
)
_QUARANTINE_LINEAGE_SQL = (
    "$1::bigint as load_id, $2 as file_sha256, $3 as file_name, $4 as source, "
    "$5::timestamp as quarantined_at"
)
_QUARANTINE_SCHEMA = pa.schema(
    [
        ("row_number", pa.int32()),
        ("column_name", pa.string()),
        ("column_header", pa.string()),
        ("rule", pa.string()),
        ("value", pa.string()),
        ("reason_zh", pa.string()),
        ("reason_en", pa.string()),
        ("problems", pa.string()),
        ("original_row", pa.string()),
    ]
)


_validation_import: threading.Thread | None = None


def import_validation() -> None:
    """Import validation (Great Expectations) on this thread, now. Called before forking
    workers (see orchestration.executor), so that every task process starts with it."""
    importlib.import_module("ingestion.validation.docs")
    # GX leaves tens of thousands of long-lived objects; frozen, the collector stops
    # re-walking them in every full collection and at exit (0.6 s of a CLI run).
    gc.freeze()


def _import_validation_in_background() -> None:
    """Great Expectations takes seconds to import; a process that loads files imports it
    on a second thread as soon as a file has sheets to validate, while the first thread
    starts reading them (GIL-free work). A process that forked from one that imported it
    already (`import_validation`: Airflow's task processes) pays nothing."""
    global _validation_import
    if _validation_import is None:
        _validation_import = threading.Thread(target=import_validation, daemon=True)
        _validation_import.start()


@dataclass
class LoadResult:
    file: str
    source: str | None
    sha256: str
    status: str  # loaded | duplicate | rejected (a fault raises LoadFault instead)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    #: NUL and other control characters removed from the file's cells while parsing
    control_chars_removed: int = 0
    error: str | None = None
    error_en: str | None = None
    reject_rule: str | None = None
    load_id: int | None = None
    validation: ValidationSummary | None = None
    #: seconds per stage, for benchmarks: load_rows (reading, parsing, validating and
    #: inserting, overlapped on threads), validate (the suite's part), deduplicate
    timings: dict[str, float] = field(default_factory=dict)
    #: quarantined rows of a file that was then rejected whole (kept for the correction
    #: workbook only: the warehouse keeps nothing of a rejected file)
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    #: the sheet this load read (None for a CSV); each sheet of a workbook is a load
    sheet: str | None = None
    #: the sheet as people are shown it: named only when the file had several data sheets
    sheet_label: str | None = None
    #: rows of this sheet passed over as not data (blank, repeated header, trailer rows)
    skip_log: SkipLog = field(default_factory=SkipLog)
    #: the file's sheets that hold no data (on the file's first load only)
    sheet_notes: list[Skip] = field(default_factory=list)
    #: the loads of the file's further sheets (`Loader.ingest` returns the first)
    more: list[LoadResult] = field(default_factory=list)
    #: the sheet's header row as typed (original_row's cells are in its order), and the
    #: columns the file name supplied, header -> the word that said it ({"抽检类型": "食品"})
    header_row: list[str] = field(default_factory=list)
    file_name_values: dict[str, str] = field(default_factory=dict)

    def all_rows_skipped(self) -> int:
        """This sheet's skipped rows and the rows of the file's sheets without data."""
        return self.rows_skipped + sum(n.rows for n in self.sheet_notes)

    def skipped(self) -> list[Skip]:
        """What was passed over without loading, and why (audit.file_manifest.skipped)."""
        return self.skip_log.notes() + self.sheet_notes

    def notices_zh(self) -> list[str]:
        """What the clerk must look at although nothing was rejected: unrecognised sheets."""
        return [n.reason_zh() for n in self.sheet_notes if n.rule == "unrecognised_sheet"]

    def summary(self) -> dict[str, object]:
        """The per-file JSON line of `qcity ingest --json`."""
        keys = (
            "file",
            "sheet",
            "source",
            "sha256",
            "status",
            "rows_read",
            "rows_loaded",
            "rows_quarantined",
            "rows_skipped",
            "error",
        )
        line: dict[str, object] = {k: getattr(self, k) for k in keys}
        line["rows_skipped"] = self.all_rows_skipped()
        line["skipped"] = [
            {"sheet": n.sheet, "rule": n.rule, "rows": n.rows, "reason": n.reason_zh()}
            for n in self.skipped()
        ]
        return line

    def failed_expectations(self) -> list[dict[str, object]]:
        if self.validation is None or self.validation.result is None:
            return []
        return [
            {
                "expectation": r.expectation_config.type,
                "column": r.expectation_config.meta.get("column"),
                "rule": r.expectation_config.meta.get("rule"),
                "level": r.expectation_config.meta.get("level"),
                "unexpected_count": r.result.get("unexpected_count"),
                "sample": r.result.get("partial_unexpected_list", [])[:5],
            }
            for r in self.validation.result.results
            if not r.success
        ]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _Target:
    """A matched table of the file with its plan."""

    table: RawTable
    plan: FilePlan


class Loader:
    """Loads files into one warehouse connection, one transaction per file."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        now: Callable[[], datetime] = datetime.now,
        dry_run: bool = False,
    ) -> None:
        self.con = con
        self.now = now
        #: validate only: every file's transaction is rolled back and nothing is recorded
        self.dry_run = dry_run
        self._pending_validation: tuple | None = None

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
            if os.environ.get("QCITY_DEBUG"):
                raise
            fault = as_fault(exc)
            if not self.dry_run:
                _alert_data_team(self.con, fault, path)
            raise fault from exc

    def _ingest_sheets(
        self, path: Path, source: str | None, on_rows: Callable[[int], None] | None
    ) -> list[LoadResult]:
        received_at = self.now()
        sha = file_sha256(path)
        result = LoadResult(file=path.name, source=source, sha256=sha, status="loaded")
        decided = {} if self.dry_run else self._decided_sheets(sha)
        result.load_id = self._next_load_id()
        if None in decided:  # a CSV (one unnamed table) decided before: no need to read it
            return [self._duplicate(result, path, received_at, decided)]
        file_format = encoding = None
        try:
            with open_export(path, common_rules().header_scan_rows) as export:
                file_format, encoding = export.file_format, export.encoding
                sheets = classify(export.tables, source)
                todo = [(t, m) for t, m in sheets.data if t.name not in decided]
                if decided and not todo:
                    return [self._duplicate(result, path, received_at, decided)]
                # Only now is there something to validate: duplicates and files rejected
                # before validation never import Great Expectations.
                _import_validation_in_background()
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
            self._load(result, [_Target(table, plan)], received_at, on_rows, record)
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
        targets: list[_Target],
        received_at: datetime,
        on_rows: Callable[[int], None] | None,
        record: Callable[[], None],
    ) -> None:
        """The file's rows, quarantine, manifest and validation run: one transaction."""
        contract = targets[0].plan.contract
        result.header_row = [strip_control(c) for c in targets[0].plan.match.header_cells]
        result.file_name_values = dict(targets[0].plan.file_name_words)
        self.con.begin()
        parsed = ReadAhead(_parsed(targets, exact=False))  # reading starts while GX imports
        try:
            from ingestion.validation.runner import FileValidator

            validator = FileValidator(contract, received_at.date(), f"load-{result.load_id}")
        except BaseException:
            parsed.close()
            raise
        try:
            self._load_rows(result, targets, parsed, validator, received_at, on_rows)
            started = time.perf_counter()
            self._quarantine_duplicates(result, contract, targets[0])
            result.timings["deduplicate"] = time.perf_counter() - started
            self.con.execute(
                "insert into audit.load_header values (?, ?, ?)",
                [
                    result.load_id,
                    json.dumps(result.header_row, ensure_ascii=False),
                    json.dumps(result.file_name_values, ensure_ascii=False),
                ],
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
                with contextlib.suppress(duckdb.Error):
                    result.rejected_rows = quarantined_rows(self.con, result.load_id)
            self._rollback_quietly(everything=True)
            if isinstance(exc, FileRejected):
                self._record_validation(result, validator.summary(rejected_rule=exc.rule))
            raise

    def _load_rows(
        self,
        result: LoadResult,
        targets: list[_Target],
        parsed: ReadAhead[tuple[FilePlan, ParsedBatch]],
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
            with ReadAhead(_parsed(targets, exact=True)) as parsed:
                self._stream_rows(result, targets, parsed, validator, received_at, on_rows)

    def _stream_rows(
        self,
        result: LoadResult,
        targets: list[_Target],
        parsed: Iterator[tuple[FilePlan, ParsedBatch]],
        validator: FileValidator,
        received_at: datetime,
        on_rows: Callable[[int], None] | None,
    ) -> None:
        """Good rows in one streamed INSERT; child and quarantined rows spilled, then one
        INSERT each (see warehouse.stream for why)."""
        contract = targets[0].plan.contract
        lineage = [result.file, result.sha256, result.load_id, received_at]
        started = time.perf_counter()
        with SpilledTables() as side:
            good = self._judged(result, parsed, validator, on_rows, side)
            try:
                insert_stream(self.con, f'raw."{contract.name}"', good, _LINEAGE_SQL, lineage)
            except FileRejected:
                result.rejected_rows = side.head(_QUARANTINE, _WORKBOOK_ROWS)
                raise
            for name in side.finish():
                table, extra_sql, params = (
                    (
                        "audit.quarantine",
                        _QUARANTINE_LINEAGE_SQL,
                        self._quarantine_lineage(result, contract),
                    )
                    if name == _QUARANTINE
                    else (f'raw."{name}"', _LINEAGE_SQL, lineage)
                )
                self.con.execute(
                    f"insert into {table} by name select *, {extra_sql} "
                    f"from read_parquet(${len(params) + 1})",
                    [*params, str(side.path(name))],
                )
        result.timings["load_rows"] = time.perf_counter() - started
        result.timings["validate"] = validator.seconds

    def _judged(
        self,
        result: LoadResult,
        parsed: Iterator[tuple[FilePlan, ParsedBatch]],
        validator: FileValidator,
        on_rows: Callable[[int], None] | None,
        side: SpilledTables,
    ) -> Iterator[pa.Table]:
        """The suite's verdict on each parsed batch: good rows yielded, the rest to `side`."""
        for plan, batch_parsed in parsed:
            batch = judge_batch(plan, batch_parsed, validator)
            result.rows_read += batch.rows_read
            result.rows_skipped += batch.rows_skipped
            result.control_chars_removed += batch.control_chars_removed
            for reason, numbers in batch.skipped.items():
                result.skip_log.add(result.sheet, reason, numbers)
            for name, child in batch.children.items():
                side.append(name, child)
            if batch.quarantined:
                side.append(_QUARANTINE, _quarantine_table(plan, batch.quarantined))
            if on_rows:
                on_rows(batch.rows_read + batch.rows_skipped)
            yield batch.good

    def _append(self, table: str, data: pa.Table, extra_sql: str, params: list) -> None:
        self.con.register("_qcity_batch", data)
        try:
            self.con.execute(
                f"insert into {table} by name select *, {extra_sql} from _qcity_batch", params
            )
        finally:
            self.con.unregister("_qcity_batch")

    def _quarantine_lineage(self, result: LoadResult, contract: Contract) -> list[Any]:
        return [result.load_id, result.sha256, result.file, contract.name, self.now()]

    def _quarantine_duplicates(
        self, result: LoadResult, contract: Contract, target: _Target
    ) -> None:
        """Same key twice in one file: exact repeats keep the first, conflicts keep none.

        The rows are in the raw table as typed (铜鼓县 read as 360926); the quarantine keeps
        the cells as the clerk typed them, read again from the file for these rows only."""
        plan = target.plan
        table = f'raw."{contract.name}"'
        key = ", ".join(f'"{k}"' for k in contract.natural_key)
        cols = ", ".join(f'"{c}"' for c in contract.column_names)
        struct = ", ".join(f'"{c}" := "{c}"' for c in contract.column_names)
        dups = self.con.execute(
            f"""
            with repeated as (
                select {key} from {table} where _load_id = $1
                group by {key} having count(*) > 1
            ), loaded as (
                select _row_number, {key}, hash({cols}) as row_hash,
                       to_json(struct_pack({struct})) as row_json
                from {table} semi join repeated using ({key})
                where _load_id = $1
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
            [result.load_id],
        ).fetchall()
        if not dups:
            return
        typed_cells = _raw_cells(target, [d[0] for d in dups])
        rows = []
        for number, conflicting, first_row, row_json, key_text in dups:
            rule, detail = (
                ("duplicate_key", key_text) if conflicting else ("duplicate_row", str(first_row))
            )
            encoded = encode(rule, detail)
            rows.append(
                QuarantinedRow(
                    number,
                    [Problem.decode(contract.natural_key[0], encoded, key_text)],
                    typed_cells.get(number) or _cells_from_typed(plan, json.loads(row_json)),
                )
            )
        numbers = [r.row_number for r in rows]
        self.con.execute(
            f"delete from {table} where _load_id = $1 and list_contains($2, _row_number)",
            [result.load_id, numbers],
        )
        for child in contract.child_tables:
            self.con.execute(
                f'delete from raw."{child.name}" where _load_id = $1 '
                f"and list_contains($2, _row_number)",
                [result.load_id, numbers],
            )
        self._append(
            "audit.quarantine",
            _quarantine_table(plan, rows),
            _QUARANTINE_LINEAGE_SQL,
            self._quarantine_lineage(result, contract),
        )

    # -- bookkeeping ----------------------------------------------------------------------

    def _record_validation(self, result: LoadResult, summary: ValidationSummary) -> None:
        """One row per file and suite in audit.validation_runs, written after any rollback."""
        from ingestion.validation.docs import store_result

        result.validation = summary
        docs_page = store_result(summary, result.sha256)
        self._pending_validation = (
            summary.run_id,
            result.load_id,
            summary.source,
            result.sha256,
            result.file,
            summary.success,
            summary.expectations_evaluated,
            summary.expectations_failed,
            summary.rows_evaluated,
            summary.rows_failed,
            json.dumps(summary.failed_rules),
            summary.started_at,
            summary.finished_at,
            docs_page,
        )

    def _next_load_id(self) -> int:
        return self.con.execute("select nextval('audit.load_id_seq')").fetchone()[0]

    def _count(self, table: str, column: str, load_id: int | None) -> int:
        return self.con.execute(
            f"select count(*) from {table} where {column} = ?", [load_id]
        ).fetchone()[0]

    def _rollback_quietly(self, everything: bool = False) -> None:
        """Roll back the open transaction, if any; after a fault (`everything`), whatever
        DuckDB says: the fault being reported matters, not a second error about it."""
        errors = duckdb.Error if everything else duckdb.TransactionException
        with contextlib.suppress(errors):  # none was open
            self.con.rollback()

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
        from alerts.outbox import enqueue_file_alerts

        # The file's alerts are written with the result they report: same transaction.
        enqueue_file_alerts(self.con, result)
        if pending:
            self.con.execute(
                "insert into audit.validation_runs values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                list(pending),
            )
        self.con.execute(
            """
            insert into audit.file_manifest (load_id, file_sha256, file_name, file_path,
                file_size_bytes, source, status, rows_read, rows_loaded, rows_quarantined,
                rows_skipped, control_chars_removed, error, error_en, reject_rule, encoding,
                file_format, received_at, finished_at, sheet, skipped)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                result.load_id,
                result.sha256,
                result.file,
                str(path),
                path.stat().st_size,
                result.source,
                result.status,
                result.rows_read,
                result.rows_loaded,
                result.rows_quarantined,
                result.all_rows_skipped(),
                result.control_chars_removed,
                result.error,
                result.error_en,
                result.reject_rule,
                encoding,
                file_format,
                received_at,
                self.now(),
                result.sheet,
                json.dumps([n.as_dict() for n in result.skipped()], ensure_ascii=False),
            ],
        )


def _parsed(targets: list[_Target], exact: bool) -> Iterator[tuple[FilePlan, ParsedBatch]]:
    """Every matched sheet's batches, read and parsed (on the read-ahead thread; reading
    has one of its own, as DuckDB reads the next batch without the GIL)."""
    for target in targets:
        match = target.plan.match
        raws = remap_repeated_headers(
            _guarded(target.table.batches(match.row_index, match.width, exact)), match
        )
        with ReadAhead(raws) as read:
            for raw in read:
                yield target.plan, parse_batch(target.plan, raw)


def _quarantine_table(plan: FilePlan, rows: list[QuarantinedRow]) -> pa.Table:
    """audit.quarantine's columns of these rows, reasons in both languages."""
    records = []
    for row in rows:
        first = row.problems[0]
        headers = [plan.match.header_text(p.column) if p.column else "" for p in row.problems]
        records.append(
            {
                "row_number": row.row_number,
                "column_name": first.column,
                "column_header": headers[0] or None,
                "rule": first.rule,
                "value": first.value,
                "reason_zh": "；".join(
                    p.reason_zh(h) for p, h in zip(row.problems, headers, strict=True)
                ),
                "reason_en": "; ".join(p.reason_en() for p in row.problems),
                "problems": json.dumps(
                    [
                        {**p.as_dict(), "header": h, "position": _position(plan, p.column)}
                        for p, h in zip(row.problems, headers, strict=True)
                    ],
                    ensure_ascii=False,
                ),
                "original_row": json.dumps(row.original, ensure_ascii=False),
            }
        )
    return pa.Table.from_pylist(records, schema=_QUARANTINE_SCHEMA)


def _raw_cells(target: _Target, numbers: list[int]) -> dict[int, list[str]]:
    """The cells as typed of the given rows of a table, read again (only the rows a key
    check quarantined after the insert need this, so nothing is kept for the others)."""
    wanted = pa.array(sorted(set(numbers)), pa.int32())
    found: dict[int, list[str]] = {}
    match = target.plan.match
    for exact in (False, True):
        try:
            batches = remap_repeated_headers(
                target.table.batches(match.row_index, match.width, exact), match
            )
            for batch in batches:
                keep = pc.is_in(batch.row_numbers, value_set=wanted)
                if not pc.any(keep).as_py():
                    continue
                rows = batch.table.filter(keep).to_pylist()
                for number, row in zip(
                    batch.row_numbers.filter(keep).to_pylist(), rows, strict=True
                ):
                    found[number] = [strip_control(v or "") for v in row.values()]
            return found
        except RestartExact:
            found.clear()
    return found


def _cells_from_typed(plan: FilePlan, typed: dict[str, Any]) -> list[str]:
    """A row's cells rebuilt from its typed values, when the file cannot be read again."""
    cells = [""] * plan.match.width
    for column, position in plan.match.positions.items():
        value = typed.get(column)
        cells[position] = "" if value is None else str(value)
    return cells


def _position(plan: FilePlan, column: str | None) -> int | None:
    """The cell a problem of `column` is in: its own, or the column it was read from when
    absent or blank (a county read from the address)."""
    if column is None:
        return None
    positions = plan.match.positions
    if column in positions:
        return positions[column]
    try:
        fallback = plan.contract.column(column).fallback
    except KeyError:
        return None
    return next((positions[f] for f in fallback if f in positions), None)


def quarantined_rows(
    con: duckdb.DuckDBPyConnection, load_id: int | None, limit: int = _WORKBOOK_ROWS
) -> list[dict[str, Any]]:
    """A load's quarantined rows, first rows first, as dicts of audit.quarantine's columns."""
    cursor = con.execute(
        f"select {', '.join(_QUARANTINE_SCHEMA.names)} from audit.quarantine "
        "where load_id = ? order by row_number limit ?",
        [load_id, limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def rows_at_fault(
    con: duckdb.DuckDBPyConnection, result: LoadResult, limit: int = _WORKBOOK_ROWS
) -> list[dict[str, Any]]:
    """The rows a clerk must fix: from audit.quarantine for a loaded file, and for a rejected
    one the rows kept in memory before its rollback (the warehouse keeps none of them)."""
    if result.status == "rejected":
        return result.rejected_rows[:limit]
    return quarantined_rows(con, result.load_id, limit)


def _alert_data_team(con: duckdb.DuckDBPyConnection, fault: LoadFault, path: Path) -> None:
    """Tell the data team, never the department; an alert that cannot be written is logged
    (the disk may be the very thing that is full) and never hides the fault itself."""
    try:
        from alerts.callbacks import report_load_fault

        report_load_fault(con, fault, path.name)
    except Exception:  # pragma: no cover - logged by report_load_fault's own fallbacks
        logging.getLogger(__name__).exception("could not alert the data team about %s", path)


def _guarded(batches: Iterator) -> Iterator:
    """Reader failures past the header (a workbook broken mid-sheet) reject the file;
    the machine's failures (disk, memory, permission) do not."""
    try:
        yield from batches
    except (FileRejected, RestartExact, LoadFault):
        raise
    except Exception as exc:
        if machine_fault(exc):
            raise as_fault(exc) from exc
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise FileRejected("unreadable", text, "读到中途出错，文件可能已损坏") from None
