"""The file pipeline, pure of any warehouse: read a file, plan its sheets, parse and judge
its rows in batches.

`warehouse.load.Loader` drives it inside one transaction per sheet and writes what it
yields (good rows, child rows, quarantined rows, the validation run); a second engine
(PostgreSQL) writes the same batches behind the same `FileLoader` interface. Nothing here
opens a database: every function takes the file, the contract's plan and the suite.

Memory does not grow with the file: batches are read, parsed and judged as a pipeline
(reading and parsing run ahead on threads of their own, see `ReadAhead`).
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contracts import Contract, common_rules
from ingestion.engine import FilePlan, ParsedBatch, QuarantinedRow, judge_batch, parse_batch
from ingestion.errors import FileRejected, LoadFault, as_fault, machine_fault
from ingestion.header import HeaderMatch
from ingestion.normalize.text import strip_control
from ingestion.problems import Problem, encode
from ingestion.readahead import ReadAhead
from ingestion.readers import open_export
from ingestion.readers.base import RawTable, RestartExact
from ingestion.readers.open import ExportFile
from ingestion.repeats import remap_repeated_headers
from ingestion.sheets import FileSheets, classify
from ingestion.skips import Skip, SkipLog

if TYPE_CHECKING:
    from ingestion.validation.runner import FileValidator, ValidationSummary

__all__ = [
    "QUARANTINE",
    "QUARANTINE_SCHEMA",
    "WORKBOOK_ROWS",
    "FileLoader",
    "FilePlan",
    "FileSheets",
    "HeaderMatch",
    "LoadResult",
    "ParsedBatch",
    "QuarantinedRow",
    "ReadAhead",
    "RestartExact",
    "SideTables",
    "Target",
    "cells_from_typed",
    "classify",
    "duplicate_rows",
    "file_sha256",
    "file_validator",
    "guarded",
    "header_row",
    "judge_ahead",
    "judged",
    "open_file",
    "parsed",
    "position",
    "quarantine_table",
    "raw_cells",
    "shared_verdicts",
    "validation_row",
]

_HASH_CHUNK = 1 << 22
#: Files up to this size are read ahead by `judge_ahead`; a larger file's own run of the
#: suite is a small part of its load, and reading it twice is not.
JUDGE_AHEAD_BYTES = 1 << 20
#: the side table of a file's quarantined rows (beside its child tables)
QUARANTINE = "quarantine"
#: the rows of a file a correction workbook lists at most
WORKBOOK_ROWS = 10_000
#: the columns of audit.quarantine the pipeline fills (the writer adds the lineage)
QUARANTINE_SCHEMA = pa.schema(
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
_validation_gate = threading.Lock()


def validation(module: str) -> ModuleType:
    """`ingestion.validation.<module>`, imported by one thread at a time.

    Every import of validation in a process that loads files goes through here, because
    the loader imports it on a second thread (`import_validation_in_background`) while
    the first goes on reading. Python's import locks do not make a submodule's import
    wait for its package to finish initialising on another thread, and Great
    Expectations' modules import each other in circles: two threads importing it at once
    die of `_DeadlockError` or a half-made module (`tests/test_validation_import.py`)."""
    with _validation_gate:
        return importlib.import_module(f"ingestion.validation.{module}")


def import_validation() -> None:
    """Import validation (Great Expectations) on this thread, now. Called before forking
    workers (see orchestration.executor), so that every task process starts with it.

    GX makes some 170,000 long-lived objects and little garbage (~2,000 objects) while it
    is imported, yet the collector would walk them again and again meanwhile (0.35 of the
    0.5 s of CPU a one-row `qcity ingest` spent collecting): it pauses for the import.
    Then they are frozen, so that no later full collection, nor the exit, walks them
    again (0.6 s of a CLI run)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        validation("docs")
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def import_validation_in_background() -> None:
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
class Target:
    """A matched table of the file with its plan."""

    table: RawTable
    plan: FilePlan


class SideTables(Protocol):
    """Where a batch's child rows and quarantined rows go while its good rows stream on."""

    def append(self, name: str, table: pa.Table) -> None: ...


class FileLoader(Protocol):
    """What a warehouse engine offers the application: each sheet of a file loaded in one
    transaction of its own, `LoadResult`s back, `LoadFault` raised when the machine failed
    (see `warehouse.load.Loader`, the DuckDB engine)."""

    dry_run: bool

    def ingest(
        self, path: Path, source: str | None = None, on_rows: Callable[[int], None] | None = None
    ) -> LoadResult: ...

    def ingest_sheets(
        self, path: Path, source: str | None = None, on_rows: Callable[[int], None] | None = None
    ) -> list[LoadResult]: ...


def open_file(path: Path) -> AbstractContextManager[ExportFile]:
    """The export opened, its tables previewed as far as a header is looked for."""
    return open_export(path, common_rules().header_scan_rows)


def header_row(target: Target) -> list[str]:
    """The sheet's header row as typed (original_row's cells are in its order)."""
    return [strip_control(c) for c in target.plan.match.header_cells]


def file_validator(contract: Contract, received: date, name: str) -> FileValidator:
    """The suite of the contract, ready to judge batches (imports Great Expectations)."""
    return validation("runner").FileValidator(contract, received, name)


def shared_verdicts() -> AbstractContextManager[None]:
    """A scope whose files share the suite's verdicts (`runner.shared_verdicts`)."""
    return validation("runner").shared_verdicts()


def judge_ahead(files: list[tuple[Path, str | None]], received: date) -> int:
    """Within `shared_verdicts()`: read and parse these (path, source) files now and judge
    all their rows' classes in one suite run per source, so that loading each of them
    afterwards finds its verdicts made. Returns the number of files read ahead.

    Nothing here decides anything about a file: one that cannot be read, has no header or
    is large is simply left out, and its load judges, rejects or faults it as always. The
    verdicts are the ones each file's own run would have given (a verdict depends on the
    class's values, the suite and the load date only)."""
    validator = validation("runner").FileValidator
    rows: dict[str, tuple[Contract, list[pa.Table]]] = {}
    read = 0
    for path, source in files:
        try:
            if path.stat().st_size > JUDGE_AHEAD_BYTES:
                continue
            with open_file(path) as export:
                for table, match in classify(export.tables, source).data:
                    plan = FilePlan.build(match.contract, match, path.name, received)
                    tables = rows.setdefault(match.contract.name, (match.contract, []))[1]
                    tables.extend(b.checked for _, b in parsed([Target(table, plan)], False))
            read += 1
        except Exception:  # the file's own load says what is wrong with it
            continue
    for contract, tables in rows.values():
        try:
            validator(contract, received, "judge-ahead").judge_ahead(tables)
        except Exception:  # each file's load then runs the suite itself
            continue
    return read


def validation_row(result: LoadResult, summary: ValidationSummary) -> dict[str, Any]:
    """audit.validation_runs' row of a file and suite, its Data Docs result stored first."""
    result.validation = summary
    docs_page = validation("docs").store_result(summary, result.sha256)
    return {
        "run_id": summary.run_id,
        "load_id": result.load_id,
        "source": summary.source,
        "file_sha256": result.sha256,
        "file_name": result.file,
        "success": summary.success,
        "expectations_evaluated": summary.expectations_evaluated,
        "expectations_failed": summary.expectations_failed,
        "rows_evaluated": summary.rows_evaluated,
        "rows_failed": summary.rows_failed,
        "failed_rules": json.dumps(summary.failed_rules),
        "started_at": summary.started_at,
        "finished_at": summary.finished_at,
        "data_docs_page": docs_page,
    }


def judged(
    result: LoadResult,
    parsed: Iterator[tuple[FilePlan, ParsedBatch]],
    validator: FileValidator,
    on_rows: Callable[[int], None] | None,
    side: SideTables,
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
            side.append(QUARANTINE, quarantine_table(plan, batch.quarantined))
        if on_rows:
            on_rows(batch.rows_read + batch.rows_skipped)
        yield batch.good


def duplicate_rows(
    target: Target, dups: list[tuple[int, bool, int, str, str]]
) -> list[QuarantinedRow]:
    """The rows a key check found twice in one file, as quarantined rows: exact repeats
    (`duplicate_row`, after the first) and conflicting versions (`duplicate_key`, all).

    `dups` holds (row number, conflicting, first row, typed row as JSON, key as text) of
    each; the cells as the clerk typed them are read again from the file for these rows."""
    plan = target.plan
    contract = plan.contract
    typed_cells = raw_cells(target, [d[0] for d in dups])
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
                typed_cells.get(number) or cells_from_typed(plan, json.loads(row_json)),
            )
        )
    return rows


def parsed(targets: list[Target], exact: bool) -> Iterator[tuple[FilePlan, ParsedBatch]]:
    """Every matched sheet's batches, read and parsed (on the read-ahead thread; reading
    has one of its own, as DuckDB reads the next batch without the GIL)."""
    for target in targets:
        match = target.plan.match
        raws = remap_repeated_headers(
            guarded(target.table.batches(match.row_index, match.width, exact)), match
        )
        with ReadAhead(raws) as read:
            for raw in read:
                yield target.plan, parse_batch(target.plan, raw)


def quarantine_table(plan: FilePlan, rows: list[QuarantinedRow]) -> pa.Table:
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
                        {**p.as_dict(), "header": h, "position": position(plan, p.column)}
                        for p, h in zip(row.problems, headers, strict=True)
                    ],
                    ensure_ascii=False,
                ),
                "original_row": json.dumps(row.original, ensure_ascii=False),
            }
        )
    return pa.Table.from_pylist(records, schema=QUARANTINE_SCHEMA)


def raw_cells(target: Target, numbers: list[int]) -> dict[int, list[str]]:
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


def cells_from_typed(plan: FilePlan, typed: dict[str, Any]) -> list[str]:
    """A row's cells rebuilt from its typed values, when the file cannot be read again."""
    cells = [""] * plan.match.width
    for column, position in plan.match.positions.items():
        value = typed.get(column)
        cells[position] = "" if value is None else str(value)
    return cells


def position(plan: FilePlan, column: str | None) -> int | None:
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


def guarded(batches: Iterator) -> Iterator:
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
