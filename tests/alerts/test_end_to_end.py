"""Every alert kind, end to end: generated exports with injected defects, a dbt build, the
freshness check, a failed task; every alert reaches the right mailbox and robot, once.

One run per module (about a minute, most of it the dbt build): generate 600-row exports,
load them as `qcity ingest` does (correction workbooks recorded on the alerts), find the
overdue sources as the freshness DAG does, build the marts, enqueue the weekly digest, fail
a task, then flush the outbox to an SMTP server and a robot receiver on 127.0.0.1.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from unittest import mock

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from alerts import outbox
from alerts.callbacks import on_task_failure
from alerts.facts import OverdueSource
from alerts.registry import DATA_TEAM, load_registry
from alerts.render import KINDS
from alerts.sender import SendReport, send_pending
from ingestion.contracts import get_contract
from ingestion.pipeline import LoadResult
from qcity.cli import app
from sample_data import generate_exports
from tests.alerts.conftest import (
    ROBOTS,
    address,
    clean_environment,
    configure_contacts,
    loopback_guard,
    workbooks_for,
)
from tests.alerts.servers import Posted, Received, RobotSink, SmtpSink
from tests.alerts.test_outbox import FakeTI
from tests.conftest import LOAD_DAY
from warehouse.connection import connect
from warehouse.load import Loader

AS_OF = date(2025, 12, 15)  # six weeks after the loads: weekly and monthly sources are late

pytestmark = pytest.mark.slow


@dataclass
class Run:
    results: list[LoadResult]
    deliveries: list[outbox.Delivery]
    first: SendReport
    second: SendReport
    emails: list[Received]
    posts: list[Posted]
    overdue: list[OverdueSource]


def overdue_sources(con: duckdb.DuckDBPyConnection, as_of: date) -> list[OverdueSource]:
    """What the freshness DAG finds: last file received + the contract's cadence < as_of."""
    late = []
    for source, last in con.execute(
        "select source, max(received_at) from audit.file_manifest "
        "where source is not null group by source order by source"
    ).fetchall():
        due = last.date() + timedelta(days=get_contract(source).cadence_days)
        if as_of > due:
            late.append(OverdueSource(source, due, as_of, last))
    return late


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("alerts-e2e")
    smtp, robots = SmtpSink().start(), RobotSink()
    with pytest.MonkeyPatch.context() as mp, loopback_guard() as blocked:
        clean_environment(mp)
        warehouse = root / "qcity.duckdb"
        mp.setenv("QCITY_WAREHOUSE", str(warehouse))
        mp.setenv("QCITY_BUILD_DIR", str(root / "build"))
        mp.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp.uri)
        configure_contacts(mp, robots)
        manifest = generate_exports(root / "exports", rows=600, seed=23)

        con = connect(warehouse)
        loader = Loader(con, now=lambda: LOAD_DAY)
        results = [loader.ingest(root / "exports" / f.path, f.source) for f in manifest.files]
        workbooks_for(con, results, root / "build" / "corrections")
        late = overdue_sources(con, AS_OF)
        outbox.enqueue_overdue(con, late)
        con.close()

        build_env = {"DBT_TARGET_PATH": str(root / "target"), "DBT_LOG_PATH": str(root / "logs")}
        with mock.patch.dict(os.environ, build_env):
            built = CliRunner().invoke(app, ["build"])
        assert built.exit_code == 0, built.output

        con = connect(warehouse)
        assert outbox.enqueue_indicator_digest(con, AS_OF) > 0
        on_task_failure({"ti": FakeTI(), "exception": RuntimeError("dbt test failed")})
        first = send_pending(con)
        second = send_pending(con, now=datetime.now() + timedelta(days=2))
        run = Run(results, outbox.deliveries(con), first, second, smtp.messages, robots.posts, late)
        con.close()
    smtp.stop()
    robots.stop()
    assert not blocked
    return run


def test_every_kind_fires_and_everything_is_delivered(e2e: Run) -> None:
    assert {d.kind for d in e2e.deliveries} == set(KINDS)
    assert all(d.delivered_at for d in e2e.deliveries), [
        (d.kind, d.department_code, d.last_error) for d in e2e.deliveries if not d.delivered_at
    ]
    assert e2e.first.ok and e2e.second.delivered == []


def test_nothing_is_sent_twice(e2e: Run) -> None:
    emails = [d.delivery_id for d in e2e.deliveries if d.channel == "email"]
    counts = Counter(m.delivery for m in e2e.emails)
    assert set(counts) == set(emails) and set(counts.values()) == {1}
    assert len(e2e.posts) == sum(d.channel == "webhook" for d in e2e.deliveries)


def owner(source: str | None) -> str:
    dept = load_registry().owner_of_source(source)
    return dept.code if dept else DATA_TEAM


def test_each_rejected_file_reaches_its_department_with_its_workbook(e2e: Run) -> None:
    rejected = [r for r in e2e.results if r.status == "rejected"]
    assert len(rejected) >= 8
    for result in rejected:
        to = address(owner(result.source))
        [mail] = [m for m in e2e.emails if m.subject.endswith(result.file) and to in m.rcpt_tos]
        assert "退回原因：" + result.error in mail.text
        [(name, data)] = mail.attachments()
        assert name.endswith("_整改清单.xlsx")
        summary = openpyxl.load_workbook(io.BytesIO(data))["汇总"]
        assert result.file in [c.value for c in summary["A"]]


def test_quarantine_alerts_follow_the_per_source_share(e2e: Run) -> None:
    registry = load_registry()
    expected = {
        r.file
        for r in e2e.results
        if r.status == "loaded"
        and r.rows_quarantined / r.rows_read > registry.source_duty(r.source).quarantine_alert_share
    }
    got = {d.file_name for d in e2e.deliveries if d.kind == "rows_quarantined"}
    assert got == expected and len(expected) >= 3
    for result in e2e.results:
        if result.file in expected:
            [mail] = [m for m in e2e.emails if f"{result.file} 有" in m.subject]
            assert mail.rcpt_tos == [address(owner(result.source))]
            assert f"已入库{result.rows_loaded}行" in mail.text and "主要问题" in mail.text
            assert "最先出现问题的行" in mail.text and len(mail.attachments()) == 1


def test_late_sources_are_reminded_to_their_owners(e2e: Run) -> None:
    assert {o.source for o in e2e.overdue} == {
        "market_sampling",
        "agri_testing",
        "construction_acceptance",
        "construction_inspections",
        "building_material_sampling",
    }
    reminders = [m for m in e2e.emails if "未报送" in m.subject]
    assert sorted(m.rcpt_tos[0] for m in reminders) == sorted(
        address(owner(o.source)) for o in e2e.overdue
    )
    housing = [m for m in reminders if m.rcpt_tos == [address("YC_HOUSING_CONSTRUCTION")]]
    assert any("住建局工程竣工验收已逾期14天未报送" in m.subject for m in housing)


def test_digest_goes_to_owning_departments_and_the_quality_office(e2e: Run) -> None:
    registry = load_registry()
    digests = {d.department_code: d for d in e2e.deliveries if d.kind == "indicator_digest"}
    office = digests[registry.quality_office].payload
    assert office["whole_plan"] and office["shortfalls"]
    assert len(digests) > 5
    for code, delivery in digests.items():
        dept = registry.department(code)
        listed = {i["code"] for i in delivery.payload["shortfalls"]} | {
            m["code"] for m in delivery.payload["missing"]
        }
        # 住建局 may hear only of its overdue site findings (no indicator short of target)
        assert listed or delivery.payload["overdue_findings"]
        assert code == registry.quality_office or listed <= set(dept.indicators)
        if delivery.channel == "email":
            [mail] = [m for m in e2e.emails if m.delivery == delivery.delivery_id]
            assert mail.rcpt_tos == [address(code)] and "指标未达标周报" in mail.subject


def test_pipeline_failure_reaches_the_data_team(e2e: Run) -> None:
    [mail] = [m for m in e2e.emails if "任务失败" in m.subject]
    assert mail.rcpt_tos == [address(DATA_TEAM)] and "RuntimeError: dbt test failed" in mail.text


def test_robots_get_their_departments_alerts(e2e: Run) -> None:
    for code in ROBOTS:
        hooks = [d for d in e2e.deliveries if d.channel == "webhook" and d.department_code == code]
        posted = [p for p in e2e.posts if p.path == f"/robot/{code}"]
        assert hooks and len(posted) == len(hooks), code
    kinds = {d.kind for d in e2e.deliveries if d.channel == "webhook"}
    assert kinds == set(KINDS)
    no_robot = {d.department_code for d in e2e.deliveries} - set(ROBOTS)
    assert not any(d.channel == "webhook" and d.department_code in no_robot for d in e2e.deliveries)


def test_alerts_are_plain_chinese_with_an_english_line(e2e: Run) -> None:
    for mail in e2e.emails:
        assert mail.subject.startswith("【") and "EN (data team):" in mail.text
        assert "：" in mail.text.splitlines()[2]  # "<department>：" greets the reader
