"""Nothing lost, nothing sent twice: outages, refusals, a killed process, rival senders."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from alerts import outbox
from alerts.facts import OverdueSource, PipelineFailure
from alerts.sender import send_pending
from tests.alerts.conftest import configure_contacts
from tests.alerts.servers import RobotSink, SmtpSink


def failures(con, n: int) -> list[str]:
    """n pipeline-failure alerts to the data team; returns their delivery ids."""
    for i in range(n):
        outbox.enqueue_pipeline_failure(con, PipelineFailure("qcity_ingest", "load", f"run_{i}"))
    return [d.delivery_id for d in outbox.deliveries(con)]


def run_until_quiet(con, start: datetime, runs: int = 8):
    """The sender task on its schedule: a run every two hours of fake time."""
    reports = []
    for k in range(runs):
        reports.append(send_pending(con, now=start + timedelta(hours=2 * k)))
    return reports


def once_each(received: list[str], expected: list[str]) -> None:
    counts = Counter(received)
    assert set(counts) == set(expected) and set(counts.values()) == {1}, counts


def test_smtp_down_then_up_delivers_each_exactly_once(con, monkeypatch) -> None:
    configure_contacts(monkeypatch, None)
    sink = SmtpSink()  # not started: connection refused
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", sink.uri)
    ids = failures(con, 5)
    t0 = datetime.now()
    down = send_pending(con, now=t0)
    assert down.delivered == [] and len(down.failed) == 1 and len(down.deferred) == 4
    assert send_pending(con, now=t0 + timedelta(seconds=30)).delivered == []  # backing off
    rows = {d.delivery_id: d for d in outbox.deliveries(con)}
    assert all(r.delivered_at is None and "SMTP 127.0.0.1" in r.last_error for r in rows.values())
    assert sorted(r.attempts for r in rows.values()) == [0, 0, 0, 0, 1]  # put off, not tried
    sink.start()
    try:
        reports = run_until_quiet(con, t0 + timedelta(hours=1))
    finally:
        sink.stop()
    assert sum(len(r.delivered) for r in reports) == 5 and all(r.ok for r in reports)
    once_each([m.delivery for m in sink.messages], ids)
    assert all(d.delivered_at for d in outbox.deliveries(con))


def test_smtp_refusing_the_first_attempts_then_accepting(con, smtp, monkeypatch) -> None:
    configure_contacts(monkeypatch, None)
    smtp.refuse = 4  # "451 try again later" to the first four messages
    ids = failures(con, 3)
    reports = run_until_quiet(con, datetime.now())
    once_each([m.delivery for m in smtp.messages], ids)
    assert smtp.attempts == 3 + 4
    assert sum(len(r.failed) for r in reports) == 4
    rows = outbox.deliveries(con)
    assert sum(r.attempts for r in rows) == 7
    assert all(r.delivered_at and r.delivered_to == "data_team@qcity.test" for r in rows)


def test_webhook_500_then_200_delivers_exactly_once(con, smtp, monkeypatch) -> None:
    robots = RobotSink(refuse=3)
    try:
        configure_contacts(monkeypatch, robots)
        ids = failures(con, 2)  # to the data team: email + WeCom robot each
        hooks = [d.delivery_id for d in outbox.deliveries(con) if d.channel == "webhook"]
        t0 = datetime.now()
        first = send_pending(con, now=t0)
        assert len(first.failed) == 2 and "HTTP 500" in next(iter(first.failed.values()))
        run_until_quiet(con, t0 + timedelta(hours=1))
        assert robots.attempts == 2 + 3 and len(robots.posts) == 2
        assert len({p.markdown for p in robots.posts}) == 2  # two alerts, once each
        once_each([m.delivery for m in smtp.messages], [i for i in ids if i not in hooks])
    finally:
        robots.stop()


def test_unreachable_robot_puts_off_the_others_on_that_host(con, smtp, monkeypatch) -> None:
    configure_contacts(monkeypatch, None)
    dead = "http://127.0.0.1:9/robot/x?access_token=t"  # port 9: nothing listens
    monkeypatch.setenv("QCITY_ALERT_DATA_TEAM_WEBHOOK", dead)
    monkeypatch.setenv("QCITY_ALERT_DATA_TEAM_WEBHOOK_KIND", "wecom")
    failures(con, 3)
    report = send_pending(con)
    assert len(report.delivered) == 3  # the emails
    assert len(report.failed) == 1 and len(report.deferred) == 2
    assert "unreachable" in next(iter(report.failed.values()))


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import date, datetime, timedelta
    from pathlib import Path
    from alerts import outbox
    from alerts.facts import OverdueSource
    from warehouse.connection import connect
    from warehouse.load import Loader

    con = connect(Path(sys.argv[1]))
    Loader(con, now=lambda: datetime(2025, 11, 1, 9)).ingest(Path(sys.argv[2]), "market_sampling")
    late = OverdueSource("agri_testing", date(2025, 10, 1), date(2025, 10, 20))
    outbox.enqueue_overdue(con, [late])
    [row] = [d for d in outbox.deliveries(con) if d.kind == "delivery_overdue"]
    # a sender takes the overdue alert and dies before sending it
    assert outbox.claim(con, row.delivery_id, "doomed", datetime.now(), timedelta(minutes=5))
    print("enqueued", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_killed_between_outbox_write_and_send(
    tmp_path: Path, warehouse_file, smtp, monkeypatch
) -> None:
    configure_contacts(monkeypatch, None)
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(warehouse_file), str(empty)],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=300,
    )
    assert child.returncode == -9 and "enqueued" in child.stdout, child.stderr
    from warehouse.connection import connect

    con = connect(warehouse_file)
    try:
        rows = outbox.deliveries(con)
        assert sorted(r.kind for r in rows) == ["delivery_overdue", "file_rejected"]
        assert not any(r.delivered_at for r in rows)
        now = datetime.now()
        # the dead sender's claim holds for its lease; the file alert waits for a workbook
        assert send_pending(con, now=now).delivered == []
        after_lease = send_pending(con, now=now + timedelta(minutes=6))
        assert [r.kind for r in outbox.deliveries(con) if r.delivered_at] == ["delivery_overdue"]
        after_grace = send_pending(con, now=now + timedelta(minutes=16))
        assert len(after_lease.delivered) == len(after_grace.delivered) == 1
        assert send_pending(con, now=now + timedelta(days=1)).delivered == []
    finally:
        con.close()
    once_each([m.delivery for m in smtp.messages], [r.delivery_id for r in rows])


def test_two_senders_at_once_never_send_the_same_alert(con, smtp, monkeypatch) -> None:
    configure_contacts(monkeypatch, None)
    ids = failures(con, 24)
    t0 = datetime.now()
    reports = []

    def sender() -> None:
        reports.append(send_pending(con.cursor(), now=t0))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    delivered = [d for r in reports for d in r.delivered]
    once_each(delivered, ids)
    once_each([m.delivery for m in smtp.messages], ids)


def test_overdue_to_a_department_then_its_retry_keeps_the_first_facts(
    con, smtp, monkeypatch
) -> None:
    """A retried alert reports what it reported when enqueued, not a re-computation."""
    configure_contacts(monkeypatch, None)
    smtp.refuse = 1
    outbox.enqueue_overdue(
        con, [OverdueSource("market_sampling", date(2025, 10, 1), date(2025, 10, 9))]
    )
    run_until_quiet(con, datetime.now(), runs=3)
    [message] = smtp.messages
    assert "已逾期8天" in message.text and message.rcpt_tos == ["yc_market_regulation@qcity.test"]
