"""Which departments are late: each source's last delivery against its contract's cadence.

A delivery is any file received for the source (`audit.file_manifest.received_at`),
whatever became of it: that is what the department controls, and it is how
`marts.mart_data_quality` counts `days_since_last_delivery` too. A source is overdue when
more than `cadence_days` days passed since its last delivery, or when nothing ever came.

Deliveries count up to the moment of checking, not only up to the day checked: a check of
an earlier day (a re-run, a late run) must never remind a department that has delivered
since. And the scheduled check is not caught up: a scheduled run that starts long after its
time (the scheduler was off at 07:00, or `make airflow` was started after a pause) is
skipped; the next morning's run checks (`is_catch_up`).

`record_freshness` writes one row per source and check day into `audit.source_freshness`
(created here), replacing that day's rows, so re-running a day's check changes nothing.
The day is the Airflow run's, never the clock's. The freshness DAG hands the overdue rows to
`alerts.outbox.enqueue_overdue`, which queues one reminder per missed delivery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from warehouse.audit import SOURCE_FRESHNESS, insert_rows
from warehouse.schema import ensure_audit_table

if TYPE_CHECKING:
    import duckdb

TABLE = SOURCE_FRESHNESS.name
#: A scheduled check that starts later than this after its time is a catch-up run.
CATCH_UP_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Freshness:
    checked_on: date
    source: str
    department: str
    title_zh: str
    cadence_days: int
    last_received_at: datetime | None
    last_loaded_at: datetime | None
    last_file: str | None
    files_received: int
    days_since_delivery: int | None
    due_on: date | None
    is_overdue: bool

    def as_dict(self) -> dict[str, object]:
        return {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(self).items()
        }


def is_catch_up(scheduled: bool, run_after: datetime, started: datetime) -> bool:
    """Whether a run checks a moment long past: only scheduled runs are; a run someone
    triggered checks whenever it is asked to."""
    return scheduled and started - run_after > CATCH_UP_AFTER


def compute_freshness(
    con: duckdb.DuckDBPyConnection, as_of: date, checked_at: datetime | None = None
) -> list[Freshness]:
    """One row per contract, from the files received up to the end of `as_of` or up to
    `checked_at` (default: now), whichever is later."""
    from ingestion.contracts import all_contracts, department_name

    end = max(
        datetime.combine(as_of + timedelta(days=1), datetime.min.time()),
        checked_at or datetime.now(),
    )
    stats = {
        source: (last_received, last_loaded, last_file, files)
        for source, last_received, last_loaded, last_file, files in con.execute(
            """
            select source, max(received_at),
                   max(received_at) filter (where status = 'loaded'),
                   (array_agg(file_name order by load_id desc))[1], count(*)
            from audit.file_manifest
            where source is not null and received_at <= ?
            group by source
            """,
            [end],
        ).fetchall()
    }
    rows = []
    for contract in all_contracts():
        last_received, last_loaded, last_file, files = stats.get(
            contract.name, (None, None, None, 0)
        )
        # a file received after the day checked: delivered, 0 days ago
        days = max(0, (as_of - last_received.date()).days) if last_received else None
        rows.append(
            Freshness(
                checked_on=as_of,
                source=contract.name,
                department=department_name(contract.department_code),
                title_zh=contract.title_zh,
                cadence_days=contract.cadence_days,
                last_received_at=last_received,
                last_loaded_at=last_loaded,
                last_file=last_file,
                files_received=files,
                days_since_delivery=days,
                due_on=last_received.date() + timedelta(days=contract.cadence_days)
                if last_received
                else None,
                is_overdue=days is None or days > contract.cadence_days,
            )
        )
    return rows


def record_freshness(
    con: duckdb.DuckDBPyConnection, as_of: date, checked_at: datetime | None = None
) -> list[Freshness]:
    """Compute and store the day's check, replacing any earlier check of the same day."""
    ensure_audit_table(con, SOURCE_FRESHNESS)
    rows = compute_freshness(con, as_of, checked_at)
    con.begin()
    try:
        con.execute(f"delete from {TABLE} where checked_on = ?", [as_of])
        insert_rows(con, TABLE, [asdict(r) for r in rows])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return rows
