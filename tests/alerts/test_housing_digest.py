"""Open site findings past their deadline reach 住建局 in the weekly digest, by real SMTP.

The warehouse is the hand-checked housing example built as of 2025-06-30
(tests/dbt/housing.py): two findings are open past their deadline, JC-02/2 in 袁州区 (工程PB,
29 days) and JC-05/1 in 丰城市 (工程PD, critical, 5 days).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from alerts import outbox
from alerts.sender import send_pending
from tests.alerts.conftest import address, configure_contacts
from tests.alerts.servers import SmtpSink
from tests.dbt.housing import build_housing_warehouse
from tests.shared import built_once
from warehouse.connection import connect

AS_OF = date(2025, 7, 1)  # the Tuesday after the build's reference day

pytestmark = pytest.mark.slow


@pytest.fixture
def warehouse(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """A writable copy of the housing example's built warehouse."""
    built = built_once(tmp_path_factory, "dbt-housing", build_housing_warehouse)
    copy = tmp_path / "qcity.duckdb"
    shutil.copy(built / "qcity.duckdb", copy)
    return copy


def ids(deliveries: list[outbox.Delivery]) -> set[str]:
    return {d.delivery_id for d in deliveries}


def test_overdue_findings_reach_the_housing_bureau_in_chinese(
    warehouse: Path, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_contacts(monkeypatch, None)
    with connect(warehouse) as con:
        assert outbox.enqueue_indicator_digest(con, AS_OF) > 0
        # `qcity build` queued the digest of its own week already; this is AS_OF's
        week = outbox.deliveries(con, dedup_key=outbox.digest_key(AS_OF))
        digests = {d.department_code: d.payload for d in week}
        report = send_pending(con, dedup_key=outbox.digest_key(AS_OF))
    assert report.ok
    found = digests["YC_HOUSING_CONSTRUCTION"]["overdue_findings"]
    assert (found["total"], found["major_or_critical"], found["as_of"]) == (2, 1, "2025-06-30")
    assert found["counties"] == [{"name": "丰城市", "count": 1}, {"name": "袁州区", "count": 1}]
    # only the units responsible for the 监测指标 hear of it (not the quality office)
    assert [code for code, p in digests.items() if p.get("overdue_findings")] == [
        "YC_HOUSING_CONSTRUCTION"
    ]
    [mail] = [m for m in smtp.to(address("YC_HOUSING_CONSTRUCTION")) if m.delivery in ids(week)]
    assert "逾期未整改隐患2条" in mail.subject
    for words in (
        "共2条已过整改期限仍未整改，其中较大及重大隐患1条",
        "按县（市、区）：丰城市1条、袁州区1条。",
        "- 袁州区 工程PB：1条，最长已逾期29天",
        "- 丰城市 工程PD：1条（较大及重大1条），最长已逾期5天",
    ):
        assert words in mail.text, words
    assert "最长逾期天数" in mail.html and "工程PD" in mail.html
    # counts and names of projects only: no finding text, no contractor
    assert "脚手架" not in mail.text and "乙建筑工程有限公司" not in mail.text


def test_a_warehouse_without_the_housing_marts_sends_the_digest_without_them(
    warehouse: Path,
) -> None:
    with connect(warehouse) as con:
        con.execute("drop table marts.mart_site_overdue_findings")
        outbox.enqueue_indicator_digest(con, AS_OF)
        payloads = [d.payload for d in outbox.deliveries(con, dedup_key=outbox.digest_key(AS_OF))]
    assert payloads and all(p["overdue_findings"] is None for p in payloads)
