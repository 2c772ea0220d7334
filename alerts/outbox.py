"""`audit.alert_outbox`: every alert is written here first, then sent by `alerts.sender`.

One row is one delivery: one alert to one department over one channel (email, or the
department's robot webhook), so each channel is retried and marked delivered on its own.
`delivery_id` is derived from the alert's dedup key, the department and the channel, and
rows are inserted with `on conflict do nothing`: enqueueing the same alert again (a re-run,
a re-dropped file, a digest rebuilt twice in a week) changes nothing.

Interfaces (stable; the loader, the CLI and the Airflow DAGs call them):

- ``enqueue_file_alerts(con, result, workbook_path=None)``: called by ``Loader._record`` inside
  the load transaction (after its rollback for a rejected file). Enqueues *file rejected*
  for a rejected file, and *rows quarantined* for a loaded one whose quarantined share is
  above the source's ``quarantine_alert_share`` in ``departments.yaml``, to the department
  owning the source (the data team when the source is unknown). The alert expects the
  correction workbook, written after the run:
- ``attach_workbooks(con, results, paths)``: records the workbooks ``write_workbooks`` wrote
  (matched by their ``_<source>_整改清单.xlsx`` names) on the run's file alerts. The sender
  attaches whatever path is recorded at send time and regenerates nothing; an alert whose
  workbook has not come after ``attachment_grace_seconds`` goes without it.
- ``enqueue_overdue(con, overdue)``: for the freshness DAG; ``overdue`` is a list of
  :class:`alerts.facts.OverdueSource`. One reminder per missed delivery and per further
  cadence period it stays missing.
- ``enqueue_indicator_digest(con, as_of)``: after a dbt build; reads
  ``marts.mart_indicator_scorecard`` and enqueues one digest per ISO week to every department
  with an indicator short of target, and the whole list to the quality office.
- ``enqueue_pipeline_failure(con, failure)``: used by ``alerts.callbacks.on_task_failure``.

Every enqueue function writes its rows in one statement, so they commit or roll back
together with the caller's transaction; none of them reads contact addresses that could
fail, so an alert can never make a load fail.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from alerts import facts
from alerts.contacts import contacts_for
from alerts.registry import Department, Registry, load_registry
from alerts.render import subject
from warehouse.audit import ALERT_OUTBOX

if TYPE_CHECKING:
    from ingestion.pipeline import LoadResult

OUTBOX = ALERT_OUTBOX.name
WORKBOOK_SUFFIX = "_整改清单.xlsx"


@dataclass
class Delivery:
    """One row of the outbox."""

    delivery_id: str
    dedup_key: str
    kind: str
    department_code: str
    channel: str
    subject: str
    payload: dict[str, Any]
    created_at: datetime
    next_attempt_at: datetime
    source: str | None = None
    load_id: int | None = None
    file_name: str | None = None
    attachment_expected: bool = False
    attachment_path: str | None = None
    attempts: int = 0
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    delivered_to: str | None = None

    def state(self, now: datetime, grace: timedelta) -> str:
        if self.delivered_at:
            return "delivered"
        if self.claimed_until and self.claimed_until > now:
            return "sending"
        if self.attachment_expected and not self.attachment_path and self.created_at + grace > now:
            return "waiting_for_workbook"
        return "retrying" if self.attempts else "pending"

    def record(self) -> dict[str, Any]:
        """JSON-ready (the spool file's form)."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        return data

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> Delivery:
        values = dict(data)
        for name in ("created_at", "next_attempt_at", "claimed_until", "last_attempt_at",
                     "delivered_at"):  # fmt: skip
            if isinstance(values.get(name), str):
                values[name] = datetime.fromisoformat(values[name])
        if isinstance(values.get("payload"), str):
            values["payload"] = json.loads(values["payload"])
        return cls(**values)


#: the outbox's columns, as declared (a Delivery has one field per column)
COLUMNS: tuple[str, ...] = ALERT_OUTBOX.names


def delivery_id(dedup_key: str, department_code: str, channel: str) -> str:
    text = f"{dedup_key}|{department_code}|{channel}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@dataclass
class _Alert:
    """One alert before it is split into deliveries."""

    kind: str
    dedup_key: str
    department: Department
    payload: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def _deliveries(alerts: Iterable[_Alert], now: datetime) -> list[Delivery]:
    rows = []
    for alert in alerts:
        channels = ["email"]
        if contacts_for(alert.department).webhook is not None:
            channels.append("webhook")
        title = subject(alert.kind, alert.payload, alert.department.name_zh)
        for channel in channels:
            rows.append(
                Delivery(
                    delivery_id=delivery_id(alert.dedup_key, alert.department.code, channel),
                    dedup_key=alert.dedup_key,
                    kind=alert.kind,
                    department_code=alert.department.code,
                    channel=channel,
                    subject=title,
                    payload=alert.payload,
                    created_at=now,
                    next_attempt_at=now,
                    **alert.extra,
                )
            )
    return rows


def insert(con: duckdb.DuckDBPyConnection, rows: list[Delivery]) -> int:
    """Write deliveries in one statement; ones already there are left alone. Returns rows new."""
    if not rows:
        return 0
    placeholders = "(" + ", ".join("?" for _ in COLUMNS) + ")"
    params: list[Any] = []
    for row in rows:
        for name in COLUMNS:
            value = getattr(row, name)
            params.append(json.dumps(value, ensure_ascii=False, default=str) if name == "payload"
                          else value)  # fmt: skip
    written = con.execute(
        f"insert into {OUTBOX} ({', '.join(COLUMNS)}) values "
        f"{', '.join([placeholders] * len(rows))} on conflict do nothing returning delivery_id",
        params,
    ).fetchall()
    return len(written)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now()


# -- file alerts (inside the load transaction) ----------------------------------------------


def enqueue_file_alerts(
    con: duckdb.DuckDBPyConnection,
    result: LoadResult,
    workbook_path: Path | None = None,
    *,
    now: datetime | None = None,
    registry: Registry | None = None,
) -> int:
    """Enqueue what a loaded or rejected file calls for; returns the deliveries written."""
    if result.status not in ("loaded", "rejected"):
        return 0
    registry = registry or load_registry()
    owner = registry.owner_of_source(result.source)
    if result.status == "rejected":
        kind, share = "file_rejected", None
    else:
        duty = registry.source_duty(result.source) if result.source else None
        share = duty.quarantine_alert_share if duty else 0.0
        if not result.rows_read or result.rows_quarantined / result.rows_read <= share:
            return 0
        kind = "rows_quarantined"
    alert = _Alert(
        kind=kind,
        dedup_key=f"{kind}:{result.sha256}",
        department=owner or registry.data_team,
        payload=facts.file_facts(con, result, share),
        extra={
            "source": result.source,
            "load_id": result.load_id,
            "file_name": result.file,
            "attachment_expected": True,
            "attachment_path": str(workbook_path) if workbook_path else None,
        },
    )
    return insert(con, _deliveries([alert], _now(now)))


def attach_workbooks(
    con: duckdb.DuckDBPyConnection, results: Iterable[LoadResult], paths: Iterable[Path]
) -> int:
    """Record each run's correction workbook on its file alerts; returns deliveries updated."""
    by_source = {}
    for path in paths:
        name = Path(path).name
        if name.endswith(WORKBOOK_SUFFIX):
            by_source[name[: -len(WORKBOOK_SUFFIX)].split("_", 1)[-1]] = Path(path)
    updated = 0
    for result in results:
        path = by_source.get(result.source or "unknown")
        if path is None or result.load_id is None:
            continue
        updated += len(
            con.execute(
                f"update {OUTBOX} set attachment_path = ? where load_id = ? "
                "and attachment_expected and attachment_path is null and delivered_at is null "
                "returning delivery_id",
                [str(path.resolve()), result.load_id],
            ).fetchall()
        )
    return updated


# -- overdue deliveries (freshness DAG) -----------------------------------------------------


def enqueue_overdue(
    con: duckdb.DuckDBPyConnection,
    overdue: Iterable[Any],
    *,
    now: datetime | None = None,
    registry: Registry | None = None,
) -> int:
    """Remind each late source's owner; again every further cadence period it stays late.

    Items are :class:`alerts.facts.OverdueSource` or the freshness DAG's rows (those with
    ``is_overdue`` false are passed over).
    """
    registry = registry or load_registry()
    alerts = []
    for raw in overdue:
        if getattr(raw, "is_overdue", True) is False:
            continue
        item = facts.OverdueSource.coerce(raw)
        duty = registry.source_duty(item.source)
        cadence = duty.cadence_days if duty else 1
        if item.due is None:  # never delivered: one reminder per cadence period
            period = f"never:{item.as_of.toordinal() // cadence}"
        else:
            period = f"{item.due.isoformat()}:{(item.days_overdue or 0) // cadence}"
        dept = registry.owner_of_source(item.source) or registry.data_team
        alerts.append(
            _Alert(
                kind="delivery_overdue",
                dedup_key=f"delivery_overdue:{item.source}:{period}",
                department=dept,
                payload=facts.overdue_facts(item, dept.name_zh, cadence),
                extra={"source": item.source, "file_name": item.last_file},
            )
        )
    return insert(con, _deliveries(alerts, _now(now)))


# -- indicator digest (after a build) -------------------------------------------------------


def digest_key(as_of: date) -> str:
    iso = as_of.isocalendar()
    return f"indicator_digest:{iso.year}-W{iso.week:02d}"


def enqueue_indicator_digest(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    *,
    now: datetime | None = None,
    registry: Registry | None = None,
) -> int:
    """One digest per ISO week to each department with an indicator not on target or with
    open site findings past their deadline (the 监测指标 it is responsible for)."""
    registry = registry or load_registry()
    try:
        gaps = facts.scorecard_gaps(con, as_of.year)
    except duckdb.CatalogException as exc:
        raise RuntimeError(
            "marts.mart_indicator_scorecard is missing: run `qcity build` before the digest"
        ) from exc
    overdue = facts.overdue_site_findings(con)
    alerts = []
    for dept in registry.departments.values():
        whole = dept.code == registry.quality_office
        mine = gaps if whole else [g for g in gaps if g["code"] in dept.indicators]
        findings = overdue.get(dept.code)
        if not mine and not findings:
            continue
        alerts.append(
            _Alert(
                kind="indicator_digest",
                dedup_key=digest_key(as_of),
                department=dept,
                payload=facts.digest_facts(mine, as_of, dept.code, whole, findings),
            )
        )
    return insert(con, _deliveries(alerts, _now(now)))


# -- pipeline failures (Airflow callback) ---------------------------------------------------


def pipeline_failure_deliveries(
    failure: facts.PipelineFailure, *, now: datetime | None = None, registry: Registry | None = None
) -> list[Delivery]:
    registry = registry or load_registry()
    alert = _Alert(
        kind="pipeline_failure",
        dedup_key=failure.dedup_key(),
        department=registry.data_team,
        payload=failure.facts(),
    )
    return _deliveries([alert], _now(now))


def enqueue_pipeline_failure(
    con: duckdb.DuckDBPyConnection,
    failure: facts.PipelineFailure,
    *,
    now: datetime | None = None,
    registry: Registry | None = None,
) -> int:
    return insert(con, pipeline_failure_deliveries(failure, now=now, registry=registry))


# -- reading and bookkeeping (the sender's side) --------------------------------------------


def _select(
    con: duckdb.DuckDBPyConnection, where: str, params: list, tail: str = ""
) -> list[Delivery]:
    cursor = con.execute(f"select {', '.join(COLUMNS)} from {OUTBOX} where {where} {tail}", params)
    return [Delivery.from_record(dict(zip(COLUMNS, row, strict=True))) for row in cursor.fetchall()]


def deliveries(
    con: duckdb.DuckDBPyConnection,
    *,
    pending_only: bool = False,
    dedup_key: str | None = None,
    limit: int = 1000,
) -> list[Delivery]:
    """Outbox rows, newest first."""
    where, params = ["true"], []
    if pending_only:
        where.append("delivered_at is null")
    if dedup_key:
        where.append("dedup_key = ?")
        params.append(dedup_key)
    return _select(
        con, " and ".join(where), [*params, limit], "order by created_at desc, delivery_id limit ?"
    )


def due(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    grace: timedelta,
    limit: int,
    dedup_key: str | None = None,
) -> list[Delivery]:
    """Undelivered rows whose time has come, unclaimed, with their workbook or past waiting."""
    where = (
        "delivered_at is null and next_attempt_at <= ? "
        "and (claimed_until is null or claimed_until <= ?) "
        "and (not attachment_expected or attachment_path is not null or created_at <= ?)"
    )
    params: list[Any] = [now, now, now - grace]
    if dedup_key:
        where += " and dedup_key = ?"
        params.append(dedup_key)
    return _select(con, where, [*params, limit], "order by created_at, delivery_id limit ?")


def claim(
    con: duckdb.DuckDBPyConnection, row_id: str, token: str, now: datetime, lease: timedelta
) -> bool:
    """Take a delivery for sending; False when another sender has it (or it went out)."""
    try:
        taken = con.execute(
            f"update {OUTBOX} set claimed_by = ?, claimed_until = ? where delivery_id = ? "
            "and delivered_at is null and (claimed_until is null or claimed_until <= ?) "
            "returning delivery_id",
            [token, now + lease, row_id, now],
        ).fetchall()
    except duckdb.TransactionException:  # another sender's claim won the race
        return False
    return bool(taken)


def mark_delivered(
    con: duckdb.DuckDBPyConnection,
    row_id: str,
    token: str,
    now: datetime,
    to: str,
    note: str | None,
) -> None:
    con.execute(
        f"update {OUTBOX} set delivered_at = ?, delivered_to = ?, attempts = attempts + 1, "
        "last_attempt_at = ?, last_error = ?, claimed_by = null, claimed_until = null "
        "where delivery_id = ? and claimed_by = ?",
        [now, to, now, note, row_id, token],
    )


def mark_failed(
    con: duckdb.DuckDBPyConnection,
    row_id: str,
    token: str,
    now: datetime,
    error: str,
    next_attempt_at: datetime,
    counts: bool = True,
) -> None:
    """Record a failed try (or, with counts=False, a delivery put off without trying)."""
    tried = "attempts = attempts + 1, last_attempt_at = ?, " if counts else ""
    con.execute(
        f"update {OUTBOX} set {tried}last_error = ?, next_attempt_at = ?, "
        "claimed_by = null, claimed_until = null where delivery_id = ? and claimed_by = ?",
        [*([now] if counts else []), error[:1000], next_attempt_at, row_id, token],
    )


def sender_token() -> str:
    return f"{os.uname().nodename}:{os.getpid()}:{os.urandom(4).hex()}"
