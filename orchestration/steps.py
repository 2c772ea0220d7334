"""What each Airflow task does, as plain functions of plain values.

The DAG files wire these into tasks and pass them what Airflow knows (run id, run time);
everything here runs, and is tested, without Airflow. Each function that opens the
warehouse is called from a task in the warehouse pool, and opens and closes its own
connection: a task must not keep DuckDB's single writer lock longer than it works.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime
from typing import TYPE_CHECKING

from orchestration.folders import Folders
from orchestration.ingest import (
    chunk_label,
    chunk_listing,
    ensure_ledger,
    ingest_chunk,
    load_results,
    run_outcomes,
    sheet_results,
)
from orchestration.landing import ReadyFile, list_ready
from qcity.settings import ingest_chunk_bytes, ingest_chunk_files, warehouse_path

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)


def _warehouse() -> duckdb.DuckDBPyConnection:
    from warehouse.connection import open_warehouse

    return open_warehouse()


def list_landing(folder: str) -> list[list[dict]]:
    """The folder's ready files in delivery order, as dicts, cut into the chunks one mapped
    task each loads (see `orchestration.ingest`): joined, the chunks are the listing.

    The landing folder is made when missing: a contract's folder appears with its DAG's
    first run, for departments to drop files into, without anyone creating it by hand."""
    folders = Folders.from_env()
    folders.landing_dir(folder).mkdir(parents=True, exist_ok=True)
    listing = list_ready(folders, folder)
    if listing.waiting:
        log.info("still being written, left for the next run: %s", ", ".join(listing.waiting))
    chunks = chunk_listing(listing.ready, ingest_chunk_files(), ingest_chunk_bytes())
    log.info(
        "%d file(s) ready in landing/%s, in %d chunk(s)", len(listing.ready), folder, len(chunks)
    )
    return [[f.as_dict() for f in chunk] for chunk in chunks]


def joined(chunks: list[list[dict]]) -> list[dict]:
    """The listing of which these are the chunks."""
    return [f for chunk in chunks for f in chunk]


def ingest_files(chunks: list[list[dict]], chunk: list[dict], run_id: str, map_index: int) -> str:
    """Load one chunk of the listing (after any earlier file not yet handled), file by
    file, on one warehouse connection; returns the chunk's label for the grid.

    Each file's outcome is logged as it is handled. A rejected file is the department's to
    fix, not a failure of the run: it is logged, named in the grid (the mapped task's
    label) and listed by the summary task. A fault raises after the files before it."""
    files = [ReadyFile.from_dict(f) for f in joined(chunks)]
    mine = [ReadyFile.from_dict(f) for f in chunk]
    con = _warehouse()
    try:
        outcomes = ingest_chunk(
            con,
            Folders.from_env(),
            run_id,
            files,
            mine,
            map_index,
            on_outcome=lambda o: log.info("%s", o.label()),
        )
    finally:
        con.close()
    label = chunk_label(outcomes)
    log.info("chunk %d: %s", map_index, label)
    return label


class FilesNotHandled(RuntimeError):
    """Some listed files were not handled (their task failed): the run must fail."""


def summarize_run(folder: str, run_id: str, run_at: datetime, listing: list[dict]) -> dict:
    """The run's table of files; correction workbooks and Data Docs for what was validated.

    Raises `FilesNotHandled` after writing everything when a listed file has no outcome,
    so the run fails although this task runs whatever its upstream tasks did.
    """
    from qcity.app import after_load  # Great Expectations' Data Docs: only in this task

    con = _warehouse()
    try:
        ensure_ledger(con)
        outcomes = run_outcomes(con, run_id, folder)
        validated = any(sheet.get("validated") for o in outcomes for sheet in sheet_results(o))
        written = after_load(con, load_results(outcomes), run_at, validated=validated)
    finally:
        con.close()
    workbooks = written.workbooks
    data_docs = str(written.data_docs) if written.data_docs else None
    counts = Counter(o.status for o in outcomes)
    summary = {
        "folder": folder,
        "files": [o.brief() for o in outcomes],
        "counts": dict(counts),
        "rows_loaded": sum(o.rows_loaded for o in outcomes),
        "rows_quarantined": sum(o.rows_quarantined for o in outcomes),
        "loaded_sources": sorted({o.source for o in outcomes if o.status == "loaded" and o.source}),
        "correction_workbooks": [str(p) for p in workbooks],
        "data_docs": data_docs,
    }
    for line in summary_lines(summary):
        log.info("%s", line)
    handled = {o.file_name for o in outcomes}
    missing = [f["name"] for f in listing if f["name"] not in handled]
    if missing:
        raise FilesNotHandled(f"not handled (see the failed ingest_files tasks): {missing}")
    return summary


def summary_lines(summary: dict) -> list[str]:
    counts = summary["counts"]
    lines = [
        f"landing/{summary['folder']}: "
        + (", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no files")
        + f"; {summary['rows_loaded']} rows loaded, {summary['rows_quarantined']} quarantined"
    ]
    for f in summary["files"]:
        detail = f"{f['rows_loaded']} rows" if f["status"] == "loaded" else (f["error"] or "")
        lines.append(f"  {f['status']:<16} {f['file_name']}  {detail}")
    for path in summary["correction_workbooks"]:
        lines.append(f"  整改清单 / correction workbook: {path}")
    return lines


def prepare_warehouse() -> str:
    """Create the raw and audit tables if missing, so dbt's sources exist on a new warehouse."""
    _warehouse().close()
    return str(warehouse_path())


def publish(as_of: date) -> dict[str, list[str]]:
    """Refresh every publisher's output, then queue the week's indicator digest."""
    from qcity.app import after_build

    con = _warehouse()
    try:
        published = after_build(con, as_of)
    finally:
        con.close()
    log.info("indicator digest: %d new deliveries queued", published.digests_queued)
    for spec, paths in published.written.items():
        log.info("%s wrote %s", spec, ", ".join(paths))
    return published.written


def check_freshness(as_of: date) -> dict:
    """Record the day's check and queue a reminder for each late source (`alerts`)."""
    from alerts.outbox import enqueue_overdue
    from orchestration.freshness import record_freshness

    con = _warehouse()
    try:
        rows = record_freshness(con, as_of)
        queued = enqueue_overdue(con, [r for r in rows if r.is_overdue])
    finally:
        con.close()
    log.info("overdue reminders: %d new deliveries queued", queued)
    overdue = [r for r in rows if r.is_overdue]
    for r in rows:
        state = "OVERDUE" if r.is_overdue else "ok"
        since = (
            "never delivered"
            if r.days_since_delivery is None
            else (f"{r.days_since_delivery} days since last delivery")
        )
        log.info(
            "%-8s %s (%s): %s, cadence %d days",
            state,
            r.source,
            r.department,
            since,
            r.cadence_days,
        )
    return {
        "checked_on": as_of.isoformat(),
        "overdue": [r.source for r in overdue],
        "sources": [r.as_dict() for r in rows],
    }


def send_alerts() -> dict:
    """Send what is due in the alert outbox (`alerts.sender`); failures retry later."""
    from alerts.sender import send_pending

    con = _warehouse()
    try:
        report = send_pending(con)
    finally:
        con.close()
    log.info("alerts: %s", report.summary())
    return {k: len(v) for k, v in vars(report).items()}
