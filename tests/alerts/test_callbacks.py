"""The Airflow failure callback: the data team hears at once, even with the warehouse locked."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from alerts import outbox
from alerts.callbacks import on_task_failure, report_failure
from alerts.facts import PipelineFailure
from alerts.sender import send_pending
from tests.alerts.conftest import configure_contacts
from tests.alerts.test_outbox import FakeTI
from warehouse.connection import connect


def test_failed_task_alerts_the_data_team_at_once(warehouse_file, smtp, contacts) -> None:
    on_task_failure({"ti": FakeTI(), "exception": RuntimeError("duckdb: disk full")})
    [message] = smtp.messages
    assert message.rcpt_tos == ["data_team@qcity.test"]
    assert message.subject == "【质量强市数据平台】任务失败 / task failed: qcity_ingest.load"
    assert "RuntimeError: duckdb: disk full" in message.text and "第2次尝试" in message.text
    [robot] = contacts.to("DATA_TEAM")
    assert "qcity_ingest.load" in robot.markdown
    con = connect(warehouse_file)
    assert all(d.delivered_at for d in outbox.deliveries(con))
    con.close()
    on_task_failure({"ti": FakeTI(), "exception": RuntimeError("again")})  # same try: deduped
    assert len(smtp.messages) == 1


def test_callback_never_raises(warehouse_file, monkeypatch) -> None:
    monkeypatch.setattr("alerts.callbacks.report_failure", lambda *_: 1 / 0)
    on_task_failure({"ti": FakeTI()})  # logged, not raised


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another process holding the DuckDB file, as a running load would."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "time.sleep(120)", str(path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.kill()
        holder.wait()


FAILURE = PipelineFailure("qcity_warehouse", "dbt_build", "scheduled__2025-11-03", try_number=1)


def test_locked_warehouse_sends_directly_and_records_later(
    warehouse_file, smtp, monkeypatch
) -> None:
    configure_contacts(monkeypatch, None)
    connect(warehouse_file).close()
    with locked(warehouse_file):
        assert report_failure(FAILURE, wait_seconds=0.5) is None
    [message] = smtp.messages
    assert "dbt_build" in message.subject
    con = connect(warehouse_file)
    try:
        report = send_pending(con)
        assert report.delivered == []  # the spooled delivery went out already
        [row] = outbox.deliveries(con)
        assert row.delivered_at and "data_team@qcity.test" in row.delivered_to
    finally:
        con.close()
    assert len(smtp.messages) == 1


def test_locked_warehouse_and_smtp_down_loses_nothing(warehouse_file, monkeypatch) -> None:
    from tests.alerts.servers import SmtpSink

    configure_contacts(monkeypatch, None)
    sink = SmtpSink()  # down
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", sink.uri)
    connect(warehouse_file).close()
    with locked(warehouse_file):
        report_failure(FAILURE, wait_seconds=0.5)
    sink.start()
    try:
        con = connect(warehouse_file)
        report = send_pending(con, now=datetime.now() + timedelta(minutes=5))
        assert len(report.delivered) == 1
        assert send_pending(con, now=datetime.now() + timedelta(days=1)).delivered == []
        con.close()
    finally:
        sink.stop()
    assert len(sink.messages) == 1
