"""Loading listed landing files into the warehouse, exactly once each, in delivery order.

The listing is cut into chunks (`chunk_listing`: consecutive files, at most
`QCITY_INGEST_CHUNK_FILES` of them and `QCITY_INGEST_CHUNK_MB` together), and one mapped
Airflow task loads one chunk (`ingest_chunk`), file by file, each in its own transaction:
a task's fixed cost is paid once per chunk, and 200 small files dropped at once do not
make 200 tasks queue for the one warehouse slot.

Loads must happen in delivery order (a corrected re-export after the file it corrects,
because the newest load of a key wins), but Airflow does not promise to run mapped task
instances in index order, nor does `dag.test()`. So handling file *i* (`ingest_listed`)
first handles every earlier file of the same run that no task has handled yet, then its
own; whichever order Airflow picks, the files are loaded in listing order, each once.

What happened to each file of a run is kept in `audit.landing_moves` (created here), one
row per run and file, written after the file is loaded and moved. It makes a retried or
re-run task a no-op for files already handled, and it is the run's record: the summary
task, the correction workbooks and the Airflow UI read it.

A file whose exact bytes were already received under the same name (a task retried after
the load committed, or the same file dropped again) is not loaded again and adds no
manifest row: it is moved out of the landing folder and reported as `already_recorded`.
Only a final decision counts as received (`warehouse.audit.FINAL_SQL`): loaded, duplicate, or rejected for
its content. Identical bytes under another name are the loader's business (`duplicate`).

A machine fault (`LoadFault`: a full disk, memory, a permission, a bug) is not an outcome:
the loader records nothing, the file stays in landing, no ledger row is written and the
task fails, so Airflow retries it and a later run loads it; the data team is alerted.

Callers hold the warehouse pool slot: DuckDB allows one writer process.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.errors import LoadFault, as_fault
from orchestration.folders import UNSORTED, Folders
from orchestration.landing import (
    ReadyFile,
    destination,
    discard_staging,
    place,
    release,
    snapshot,
)
from warehouse.audit import FINAL_SQL, LANDING_MOVES, insert_row
from warehouse.schema import ensure_audit_table

if TYPE_CHECKING:
    import duckdb

    from ingestion.pipeline import LoadResult

LEDGER = LANDING_MOVES.name

#: Statuses after which the file has left the landing folder.
MOVED = ("loaded", "duplicate", "rejected", "already_recorded")


@dataclass
class Outcome:
    """What became of one listed file in one run (also the mapped task's return value)."""

    folder: str
    file_name: str
    status: str
    source: str | None = None
    file_sha256: str | None = None
    load_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    moved_to: str | None = None
    map_index: int | None = None
    result: dict[str, Any] | None = field(default=None, repr=False)

    def brief(self) -> dict[str, object]:
        """The small dict returned through XCom (no row data)."""
        keys = ("folder", "file_name", "status", "source", "load_id", "rows_read")
        more = ("rows_loaded", "rows_quarantined", "error", "moved_to", "map_index")
        return {k: getattr(self, k) for k in (*keys, *more)}

    def label(self) -> str:
        """One line for the Airflow UI (the mapped task's name in the grid)."""
        name = Path(self.file_name).name
        if self.status == "loaded":
            extra = f", {self.rows_quarantined} quarantined" if self.rows_quarantined else ""
            return f"{name} · loaded {self.rows_loaded} rows{extra}"
        if self.status == "rejected":
            return f"{name} · REJECTED: {self.error or ''}"[:250]
        return f"{name} · {self.status.replace('_', ' ')}"


#: Longest label Airflow keeps for a mapped task instance (`rendered_map_index`).
_LABEL_MAX = 250


def chunk_label(outcomes: list[Outcome]) -> str:
    """One line for a chunk's task in the grid: its one file's label, or the first and
    last file, the count of each outcome and the name of every rejected file."""
    if len(outcomes) == 1:
        return outcomes[0].label()
    counts = Counter(o.status.replace("_", " ") for o in outcomes if o.status != "rejected")
    parts = [f"{n} {status}" for status, n in sorted(counts.items())]
    rejected = [Path(o.file_name).name for o in outcomes if o.status == "rejected"]
    if rejected:
        parts.append(f"{len(rejected)} REJECTED: " + ", ".join(rejected))
    first, last = (Path(o.file_name).name for o in (outcomes[0], outcomes[-1]))
    label = f"{first} … {last} ({len(outcomes)} files) · " + ", ".join(parts)
    return label if len(label) <= _LABEL_MAX else label[: _LABEL_MAX - 1] + "…"


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    ensure_audit_table(con, LANDING_MOVES)


def ledger_outcome(
    con: duckdb.DuckDBPyConnection, run_id: str, listed: ReadyFile
) -> Outcome | None:
    row = con.execute(
        f"""
        select status, source, file_sha256, load_id, rows_read, rows_loaded, rows_quarantined,
               error, moved_to, map_index
        from {LEDGER} where run_id = ? and folder = ? and file_name = ?
        """,
        [run_id, listed.folder, listed.name],
    ).fetchone()
    if row is None:
        return None
    return _outcome(listed.folder, listed.name, (*row, None))


def run_outcomes(con: duckdb.DuckDBPyConnection, run_id: str, folder: str) -> list[Outcome]:
    """Every file the run handled, in the order it was handled."""
    rows = con.execute(
        f"""
        select file_name, status, source, file_sha256, load_id, rows_read, rows_loaded,
               rows_quarantined, error, moved_to, map_index, result_json
        from {LEDGER} where run_id = ? and folder = ? order by handled_at, file_name
        """,
        [run_id, folder],
    ).fetchall()
    return [_outcome(folder, name, rest) for name, *rest in rows]


def _outcome(folder: str, name: str, row: tuple) -> Outcome:
    """An Outcome from a ledger row (status … map_index, result_json)."""
    status, source, sha, load_id, read, loaded, quarantined, error, moved_to, index, result = row
    return Outcome(
        folder,
        name,
        status,
        source,
        sha,
        load_id,
        read or 0,
        loaded or 0,
        quarantined or 0,
        error,
        moved_to,
        index,
        json.loads(result) if result else None,
    )


def chunk_listing(
    listing: list[ReadyFile], max_files: int, max_bytes: int
) -> list[list[ReadyFile]]:
    """The listing cut into consecutive chunks, in delivery order: a chunk ends at
    `max_files` files, or before a file that would take it past `max_bytes` (a large file
    thus gets a chunk, a task and a retry of its own)."""
    chunks: list[list[ReadyFile]] = []
    size = 0
    for listed in listing:
        if not chunks or len(chunks[-1]) >= max_files or size + listed.size > max_bytes:
            chunks.append([])
            size = 0
        chunks[-1].append(listed)
        size += listed.size
    return chunks


def ingest_chunk(
    con: duckdb.DuckDBPyConnection,
    folders: Folders,
    run_id: str,
    listing: list[ReadyFile],
    chunk: list[ReadyFile],
    map_index: int,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Handle the chunk's files in delivery order on one connection, each as `ingest_listed`
    does (its own transaction, move and ledger row); `on_outcome` hears of each file as it
    is handled. Files a retry of this task, or an earlier task, already handled are not
    handled again: their outcome is read back from the ledger.

    Raises `LoadFault` on the first file the machine fails on: the chunk's files before it
    stay loaded and recorded, it and the files after it wait for the task's retry.

    The suite's verdicts are shared by the chunk's files, and the small ones are judged
    ahead in one Great Expectations run (`ingestion.pipeline.judge_ahead`)."""
    from ingestion.pipeline import judge_ahead, shared_verdicts

    ensure_ledger(con)
    handled = _handled(con, run_id)
    todo = [f for f in chunk if (f.folder, f.name) not in handled]
    outcomes = []
    with shared_verdicts():
        if len(todo) > 1:
            source = None if chunk[0].folder == UNSORTED else chunk[0].folder
            paths = [folders.landing_file(f.folder, f.name) for f in todo]
            judge_ahead([(p, source) for p in paths], date.today())
        for listed in chunk:
            outcome = ingest_listed(con, folders, run_id, listing, listing.index(listed), map_index)
            if on_outcome:
                on_outcome(outcome)
            outcomes.append(outcome)
    return outcomes


def ingest_listed(
    con: duckdb.DuckDBPyConnection,
    folders: Folders,
    run_id: str,
    listing: list[ReadyFile],
    index: int,
    map_index: int | None = None,
) -> Outcome:
    """Handle listing[index], after any earlier file of the run nobody has handled yet;
    the ledger names `map_index` (default `index`) as the task that handled them.

    The landing folder's tasks take turns (`folder_turn`): two tasks running at once never
    handle the same file, and the folder's files load in delivery order.

    Raises `LoadFault` when the machine fails on any of them: that file stays in landing
    with no ledger row, and the files after it wait for the retry (delivery order holds).
    """
    with folder_turn(con, listing[index].folder):
        return _ingest_in_order(con, folders, run_id, listing, index, map_index)


def folder_turn(con: duckdb.DuckDBPyConnection, folder: str) -> AbstractContextManager[None]:
    """Held while a task handles a landing folder's files.

    DuckDB allows one writer process, so a DuckDB warehouse's tasks take turns already (the
    pool's one slot). A PostgreSQL warehouse runs several tasks at once (its pool has
    several slots, over several workers): there the folder's tasks wait for each other on
    an advisory lock, which PostgreSQL releases if the task dies, while other folders'
    tasks load beside them."""
    lock = getattr(con, "advisory_lock", None)
    return lock(f"qcity.landing:{folder}") if lock else contextlib.nullcontext()


def _ingest_in_order(
    con: duckdb.DuckDBPyConnection,
    folders: Folders,
    run_id: str,
    listing: list[ReadyFile],
    index: int,
    map_index: int | None,
) -> Outcome:
    ensure_ledger(con)
    handled = _handled(con, run_id)
    for listed in listing[: index + 1]:
        # Asked again just before: with several warehouse slots (PostgreSQL) another task
        # may have handled it since the run's handled files were read.
        known = (listed.folder, listed.name) in handled
        if not known and ledger_outcome(con, run_id, listed) is None:
            try:
                _handle(con, folders, run_id, listed, index if map_index is None else map_index)
            except LoadFault:
                raise
            except Exception as exc:  # moving, hashing, the ledger: the machine's, too
                raise as_fault(exc) from exc
    outcome = ledger_outcome(con, run_id, listing[index])
    assert outcome is not None
    return outcome


def _handled(con: duckdb.DuckDBPyConnection, run_id: str) -> set[tuple[str, str]]:
    """The (folder, file name) pairs the run has handled: one query, not one per file."""
    rows = con.execute(f"select folder, file_name from {LEDGER} where run_id = ?", [run_id])
    return set(rows.fetchall())


def _handle(
    con: duckdb.DuckDBPyConnection,
    folders: Folders,
    run_id: str,
    listed: ReadyFile,
    map_index: int,
) -> None:
    """Snapshot, load, move, record, and only then remove the landing copy.

    Each step can be interrupted and retried: the manifest says whether the bytes were
    loaded, the ledger whether the run handled the file, and the landing copy stays
    until both are written.
    """
    from warehouse.load import Loader, file_sha256

    token = secrets.token_hex(8)
    try:
        staged = snapshot(folders, listed, token)
    except OSError as exc:  # unreadable where it lies: report it, leave it, go on
        discard_staging(folders, token)
        outcome = Outcome(listed.folder, listed.name, "unreadable", map_index=map_index)
        outcome.error = f"{type(exc).__name__}: {exc}"[:300]
        _record(con, run_id, outcome, listed)
        return
    if staged is None:
        still_there = folders.landing_file(listed.folder, listed.name).exists()
        status = "changed" if still_there else "gone"
        _record(
            con, run_id, Outcome(listed.folder, listed.name, status, map_index=map_index), listed
        )
        return
    try:
        sha = file_sha256(staged)
        known = con.execute(
            "select status, source, load_id from audit.file_manifest "
            f"where file_sha256 = ? and file_name = ? and {FINAL_SQL} order by load_id limit 1",
            [sha, staged.name],
        ).fetchone()
        if known:
            outcome = Outcome(
                listed.folder,
                listed.name,
                "already_recorded",
                known[1],
                sha,
                known[2],
                error=f"same file already received (load {known[2]}, {known[0]})",
                map_index=map_index,
            )
            target = destination(folders, listed, known[0], sha)
            load_ids = []
        else:
            source = None if listed.folder == UNSORTED else listed.folder
            results = Loader(con).ingest_sheets(staged, source)
            outcome = _from_results(listed, results, map_index)
            load_ids = [r.load_id for r in results]
            target = destination(folders, listed, outcome.status, sha)
        place(folders, staged, target)
    finally:
        discard_staging(folders, token)
    outcome.moved_to = str(target)
    if load_ids:
        # The loader recorded where it read the file (the snapshot); say where it lives now.
        marks = ", ".join("?" for _ in load_ids)  # (both engines' SQL)
        con.execute(
            f"update audit.file_manifest set file_path = ? where load_id in ({marks})",
            [str(target), *load_ids],
        )
    _record(con, run_id, outcome, listed)
    release(folders, listed)


def _from_results(listed: ReadyFile, results: list[LoadResult], map_index: int) -> Outcome:
    """One outcome for the file: loaded when any of its sheets loaded (the file goes to the
    archive), the rows of all its sheets, and each sheet's result for the workbooks."""
    first = results[0]
    statuses = {r.status for r in results}
    errors = [r.error for r in results if r.error]
    return Outcome(
        listed.folder,
        listed.name,
        "loaded" if "loaded" in statuses else first.status,
        first.source,
        first.sha256,
        first.load_id,
        sum(r.rows_read for r in results),
        sum(r.rows_loaded for r in results),
        sum(r.rows_quarantined for r in results),
        "；".join(errors) or None,
        map_index=map_index,
        result={"sheets": [_result_json(r) for r in results]},
    )


def _result_json(result: LoadResult) -> dict[str, Any]:
    return {
        **result.summary(),
        "sheet_label": result.sheet_label,
        "error_en": result.error_en,
        "reject_rule": result.reject_rule,
        "load_id": result.load_id,
        "rejected_rows": result.rejected_rows,
        "validated": result.validation is not None,
    }


def _record(
    con: duckdb.DuckDBPyConnection, run_id: str, outcome: Outcome, listed: ReadyFile
) -> None:
    insert_row(
        con,
        LEDGER,
        {
            "run_id": run_id,
            "folder": listed.folder,
            "file_name": listed.name,
            "size_bytes": listed.size,
            "mtime_ns": listed.mtime_ns,
            "status": outcome.status,
            "source": outcome.source,
            "file_sha256": outcome.file_sha256,
            "load_id": outcome.load_id,
            "rows_read": outcome.rows_read,
            "rows_loaded": outcome.rows_loaded,
            "rows_quarantined": outcome.rows_quarantined,
            "error": outcome.error,
            "moved_to": outcome.moved_to,
            "map_index": outcome.map_index,
            "result_json": json.dumps(outcome.result, ensure_ascii=False, default=str)
            if outcome.result
            else None,
            "handled_at": datetime.now(),
        },
    )


def load_results(outcomes: list[Outcome]) -> list[LoadResult]:
    """The run's load results as the correction workbook writer takes them."""
    return [_load_result(data) for outcome in outcomes for data in sheet_results(outcome)]


def sheet_results(outcome: Outcome) -> list[dict[str, Any]]:
    """The loads of the file's sheets as JSON (a ledger row of before sheets holds one)."""
    if not outcome.result:
        return []
    return outcome.result.get("sheets", [outcome.result])


def _load_result(data: dict[str, Any]) -> LoadResult:
    from ingestion.pipeline import LoadResult

    return LoadResult(
        file=data["file"],
        source=data["source"],
        sha256=data["sha256"],
        status=data["status"],
        rows_read=data["rows_read"],
        rows_loaded=data["rows_loaded"],
        rows_quarantined=data["rows_quarantined"],
        error=data["error"],
        error_en=data.get("error_en"),
        reject_rule=data.get("reject_rule"),
        load_id=data.get("load_id"),
        rejected_rows=data.get("rejected_rows") or [],
        sheet=data.get("sheet"),
        sheet_label=data.get("sheet_label"),
    )
