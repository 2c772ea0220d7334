"""Airflow callbacks: a failed task tells the data engineering contact at once.

Interface (stable): ``on_task_failure(context)``, for ``default_args["on_failure_callback"]``
(or a task's ``on_failure_callback``). It enqueues a *pipeline failure* alert to the
registry's data team in `audit.alert_outbox` and sends it right away (later sender runs
retry it if the SMTP server or robot is down). If the warehouse stays locked by another
process for `wait_seconds`, the alert is sent directly and spooled to a file that the next
`send_pending` records in the outbox (see :mod:`alerts.spool`). A callback never raises:
a failure to alert is logged, and must not mask the task's own failure.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from alerts import outbox, spool
from alerts.facts import PipelineFailure
from alerts.registry import Registry, load_registry
from alerts.sender import Courier, DeliveryFailed, SendReport, backoff, send_pending
from ingestion.errors import LoadFault

log = logging.getLogger(__name__)


def on_task_failure(context: Mapping[str, Any]) -> None:
    """Airflow `on_failure_callback`: enqueue and send a pipeline-failure alert."""
    try:
        report_failure(PipelineFailure.from_context(context))
    except Exception:
        log.exception("could not raise the pipeline-failure alert")


def report_failure(
    failure: PipelineFailure,
    *,
    warehouse: Path | None = None,
    wait_seconds: float = 30.0,
    registry: Registry | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    spool_dir: Path | None = None,
) -> SendReport | None:
    """Outbox then send; straight send and spool when the warehouse cannot be opened."""
    import psycopg2

    from warehouse.connection import WarehouseBusy, connect, open_warehouse

    registry = registry or load_registry()
    env = os.environ if env is None else env
    rows = outbox.pipeline_failure_deliveries(failure, now=now, registry=registry)
    try:
        if warehouse is None:
            con = open_warehouse(wait_seconds=wait_seconds)
        else:
            con = connect(warehouse, wait_seconds=wait_seconds)
    except (WarehouseBusy, psycopg2.OperationalError):  # a PostgreSQL warehouse out of reach
        _send_and_spool(rows, registry, env, now, spool_dir)
        return None
    try:
        outbox.insert(con, rows)
        return send_pending(
            con,
            dedup_key=failure.dedup_key(),
            registry=registry,
            env=env,
            now=now,
            spool_dir=spool_dir,
        )
    finally:
        con.close()


def report_load_fault(
    con: duckdb.DuckDBPyConnection,
    fault: LoadFault,
    file_name: str,
    *,
    now: datetime | None = None,
    spool_dir: Path | None = None,
) -> None:
    """A file could not be loaded for the machine's reasons: a pipeline-failure alert to
    the data team, never the department (the file was not judged).

    Enqueued on the loader's connection (the next sender run sends it), or spooled when the
    warehouse cannot take it (a full disk often is the fault). One alert per file, fault
    kind and day, however often the file is retried. Never raises.
    """
    now = now or datetime.now()
    failure = PipelineFailure(
        dag_id=os.environ.get("AIRFLOW_CTX_DAG_ID") or "qcity ingest",
        task_id=file_name,
        run_id=f"load_fault:{fault.kind}:{now.date().isoformat()}",
        exception=fault.sentence(file_name)[:2000],
        hostname=os.uname().nodename,
    )
    rows = outbox.pipeline_failure_deliveries(failure, now=now)
    try:
        outbox.insert(con, rows)
        return
    except Exception as exc:
        log.info("load fault alert not written to the outbox (%s); spooling it", exc)
    try:
        spool.write(rows, spool_dir)
    except Exception:
        log.exception("could not record the load fault alert: %s", failure.exception)


def _send_and_spool(
    rows: list[outbox.Delivery],
    registry: Registry,
    env: Mapping[str, str],
    now: datetime | None,
    spool_dir: Path | None,
) -> None:
    now = now or datetime.now()
    courier = Courier(registry, env)
    try:
        for row in rows:
            row.attempts += 1
            row.last_attempt_at = now
            try:
                outcome = courier.send(row)
            except DeliveryFailed as exc:
                row.last_error = f"{exc} (warehouse locked: spooled)"
                row.next_attempt_at = now + backoff(row.attempts, registry)
                continue
            row.delivered_at, row.delivered_to, row.last_error = now, outcome.to, outcome.note
    finally:
        courier.close()
    spool.write(rows, spool_dir)
    log.warning(
        "warehouse locked: pipeline-failure alert spooled under %s", spool_dir or spool.spool_dir()
    )


__all__ = ["on_task_failure", "report_failure", "report_load_fault"]
