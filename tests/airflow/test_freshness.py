"""Freshness without false alarms: a department that delivered is never reminded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alerts.outbox import enqueue_overdue
from orchestration.freshness import is_catch_up, record_freshness
from tests.conftest import MARKET_HEADER, good_market_rows, write_csv
from warehouse.load import Loader

MORNING = datetime(2025, 11, 3, 9, 30)


def deliver(con, tmp_path: Path, at: datetime) -> None:
    path = write_csv(
        tmp_path / f"抽检合格信息-{at:%H%M}.csv", [MARKET_HEADER, *good_market_rows(3)]
    )
    assert Loader(con, now=lambda: at).ingest(path).status == "loaded"


def reminders(con) -> list[str]:
    rows = con.execute(
        "select dedup_key from audit.alert_outbox where kind = 'delivery_overdue' order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def test_a_check_of_yesterday_counts_this_mornings_delivery(con, tmp_path: Path) -> None:
    """The `make airflow` case: the latest scheduled run checks the day before, at 9:30."""
    deliver(con, tmp_path, MORNING)
    yesterday = MORNING.date() - timedelta(days=1)
    rows = {r.source: r for r in record_freshness(con, yesterday, checked_at=MORNING)}
    market = rows["market_sampling"]
    assert not market.is_overdue and market.days_since_delivery == 0
    enqueue_overdue(con, rows.values(), now=MORNING)
    assert not any("market_sampling" in key for key in reminders(con))
    assert any("agri_testing" in key for key in reminders(con))  # never delivered: reminded


def test_a_source_past_its_cadence_is_still_overdue(con, tmp_path: Path) -> None:
    deliver(con, tmp_path, MORNING)
    later = MORNING.date() + timedelta(days=8)  # weekly cadence
    checked = datetime.combine(later, datetime.min.time()) + timedelta(hours=7)
    rows = {r.source: r for r in record_freshness(con, later, checked_at=checked)}
    assert rows["market_sampling"].is_overdue
    assert rows["market_sampling"].days_since_delivery == 8


def test_scheduled_runs_that_start_late_are_catch_up_runs() -> None:
    due = datetime(2025, 11, 3, 7, 0, tzinfo=UTC)
    assert not is_catch_up(True, due, due + timedelta(minutes=5))
    assert is_catch_up(True, due, due + timedelta(hours=3))
    assert is_catch_up(True, due - timedelta(days=1), due)
    assert not is_catch_up(False, due - timedelta(days=1), due)  # triggered by hand


def test_the_freshness_dag_skips_a_catch_up_run() -> None:
    source = (Path(__file__).parents[2] / "dags" / "qcity_freshness.py").read_text("utf-8")
    assert "is_catch_up(" in source and "AirflowSkipException" in source


def test_day_checked_is_kept(con) -> None:
    rows = record_freshness(con, date(2025, 11, 3), checked_at=MORNING)
    assert {r.checked_on for r in rows} == {date(2025, 11, 3)}
