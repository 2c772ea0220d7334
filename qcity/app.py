"""What follows a load and what follows a build, once, for every way of running qcity.

`qcity ingest`, the ingestion DAG's summary task and the demo (through that DAG) all call
`after_load`; `qcity build`, the warehouse DAG's publish task and the demo (through that
DAG) all call `after_build`. Before this module each stitched its own sequence, and they
had drifted: `qcity build` wrote no scorecard CSV and queued no digest while the DAG did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from alerts.outbox import attach_workbooks, enqueue_indicator_digest
from ingestion.pipeline import LoadResult, validation
from qcity.correction_workbook import write_workbooks
from qcity.settings import build_dir, warehouse_path


@dataclass
class AfterLoad:
    """What `after_load` wrote: the clerks' correction workbooks and the Data Docs index."""

    workbooks: list[Path] = field(default_factory=list)
    data_docs: Path | None = None


def after_load(
    con: duckdb.DuckDBPyConnection,
    results: Sequence[LoadResult],
    run_at: datetime,
    *,
    attach_to_alerts: bool = True,
    validated: bool | None = None,
) -> AfterLoad:
    """Correction workbooks for the files with problems (attached to the file alerts the
    loader queued, after a real load), then the Data Docs rebuilt when anything was
    validated (`validated` defaults to whether any result carries a validation)."""
    workbooks = write_workbooks(con, list(results), build_dir() / "corrections", run_at)
    if attach_to_alerts and workbooks:
        # The loader enqueued the file alerts; they go out with the clerk's workbook.
        attach_workbooks(con, list(results), workbooks)
    if validated is None:
        validated = any(r.validation for r in results)
    return AfterLoad(
        workbooks=workbooks, data_docs=validation("docs").build_docs() if validated else None
    )


@dataclass
class AfterBuild:
    """What `after_build` published (publisher -> paths) and how many digests it queued."""

    written: dict[str, list[str]]
    digests_queued: int


def after_build(con: duckdb.DuckDBPyConnection, as_of: date) -> AfterBuild:
    """Every publisher's output refreshed (scorecard CSV/JSON, serving copy, dashboard,
    PostgreSQL when enabled), then the week's indicator digest queued."""
    from qcity.publish import publish_all  # the dashboard's charts: not for `after_load`

    written = publish_all(con, build_dir())
    return AfterBuild(written=written, digests_queued=enqueue_indicator_digest(con, as_of))


def build_paths() -> dict[str, Path]:
    """Where a user finds what the pipeline wrote (printed by the demo)."""
    build = build_dir()
    return {
        "warehouse": warehouse_path(),
        "data_docs": build / "data_docs" / "index.html",
        "corrections": build / "corrections",
        "scorecard": build / "scorecard" / "scorecard.csv",
        "dashboard": build / "report" / "index.html",
        "serving": warehouse_path().parent / "serving",
    }
