"""What each event writes to audit.alert_outbox, in which transaction, and only once."""

from __future__ import annotations

import errno
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from alerts import outbox
from alerts.facts import OverdueSource, PipelineFailure
from alerts.registry import DATA_TEAM
from ingestion.errors import LoadFault
from tests.alerts.conftest import workbooks_for
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv
from warehouse.load import Loader


def rows(con) -> list[outbox.Delivery]:
    return sorted(outbox.deliveries(con), key=lambda d: (d.kind, d.department_code, d.channel))


def quarantining_file(tmp_path: Path, name: str = "第9期抽检.csv", bad: int = 3) -> Path:
    """20 good rows and `bad` rows with an unknown county (loaded, bad rows quarantined)."""
    body = [market_row(f"Q{i}", county="火星区") for i in range(bad)]
    return write_csv(tmp_path / name, [MARKET_HEADER, *good_market_rows(20), *body])


def test_rejected_file_alerts_its_department(tmp_path: Path, loader, con) -> None:
    empty = tmp_path / "空文件.csv"
    empty.write_bytes(b"")
    result = loader.ingest(empty, source="market_sampling")
    [row] = rows(con)
    assert (row.kind, row.department_code, row.channel) == (
        "file_rejected",
        "YC_MARKET_REGULATION",
        "email",
    )
    assert row.load_id == result.load_id and row.attachment_expected and not row.attachment_path
    assert row.payload["error"] == result.error and "空文件.csv" in row.subject


def test_quarantine_above_share_alerts_and_below_does_not(tmp_path: Path, loader, con) -> None:
    loader.ingest(quarantining_file(tmp_path, "少量问题.csv", bad=0))
    few = write_csv(
        tmp_path / "少量.csv",
        [MARKET_HEADER, *good_market_rows(100, "F"), market_row("F-bad", county="火星区")],
    )
    assert loader.ingest(few).rows_quarantined == 1  # 1% <= 2%: no alert
    assert rows(con) == []
    result = loader.ingest(quarantining_file(tmp_path))  # 3 of 23: above 2%
    [row] = rows(con)
    assert row.kind == "rows_quarantined" and row.load_id == result.load_id
    p = row.payload
    assert (p["rows_read"], p["rows_loaded"], p["problem_rows"]) == (23, 20, 3)
    assert p["top_rules"][0]["rule"] == "unknown_county" and p["top_rules"][0]["rows"] == 3
    assert "火星区" in p["top_rules"][0]["sentence_zh"]
    assert [r["row_number"] for r in p["first_rows"]] == [22, 23, 24]
    assert p["first_rows"][0]["cells"] == [{"header": "所属县区", "value": "火星区"}]


def test_unknown_source_goes_to_the_data_team(tmp_path: Path, loader, con) -> None:
    other = write_csv(tmp_path / "名录.csv", [["企业名称", "地址"], ["某公司", "袁州区"]])
    loader.ingest(other)
    [row] = rows(con)
    assert (row.kind, row.department_code) == ("file_rejected", DATA_TEAM)


def test_same_bytes_again_alert_once(tmp_path: Path, loader, con) -> None:
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    loader.ingest(empty, source="agri_testing")
    (tmp_path / "空 - 副本.csv").write_bytes(b"")
    loader.ingest(tmp_path / "空 - 副本.csv", source="agri_testing")
    good = quarantining_file(tmp_path)
    loader.ingest(good)
    loader.ingest(good)  # duplicate: nothing more
    assert [(r.kind, r.department_code) for r in rows(con)] == [
        ("file_rejected", "YC_AGRICULTURE_RURAL"),
        ("rows_quarantined", "YC_MARKET_REGULATION"),
    ]


def test_alert_is_rolled_back_with_the_load(tmp_path: Path, con, monkeypatch) -> None:
    """The outbox row is written in the load's transaction: a load that fails after it
    (here a full disk) leaves no rows_quarantined alert, and being the machine's fault it
    is no rejection either: only the data team hears of it."""
    loader = Loader(con, now=lambda: datetime(2025, 11, 1, 9))
    original = Loader._record

    def failing_record(self, result, *args):
        original(self, result, *args)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Loader, "_record", failing_record)
    with pytest.raises(LoadFault) as raised:
        loader.ingest(quarantining_file(tmp_path))
    assert raised.value.kind == "disk_full"
    assert con.execute("select count(*) from raw.market_sampling").fetchone()[0] == 0
    assert con.execute("select count(*) from audit.file_manifest").fetchone()[0] == 0
    assert {(r.kind, r.department_code) for r in rows(con)} == {("pipeline_failure", "DATA_TEAM")}


def test_workbook_is_attached_after_the_run(tmp_path: Path, loader, con) -> None:
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    results = [
        loader.ingest(empty, source="market_sampling"),
        loader.ingest(quarantining_file(tmp_path)),
    ]
    [path] = workbooks_for(con, results, tmp_path / "corrections")
    assert {r.attachment_path for r in rows(con)} == {str(path.resolve())}


def test_workbooks_match_their_source(tmp_path: Path, loader, con) -> None:
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    results = [
        loader.ingest(empty, source="agri_testing"),
        loader.ingest(quarantining_file(tmp_path)),
    ]
    written = workbooks_for(con, results, tmp_path / "corrections")
    by_kind = {r.kind: Path(r.attachment_path).name for r in rows(con)}
    assert by_kind["file_rejected"].endswith("_agri_testing_整改清单.xlsx")
    assert by_kind["rows_quarantined"].endswith("_market_sampling_整改清单.xlsx")
    assert len(written) == 2


def test_overdue_reminds_once_per_cadence_period(con) -> None:
    due = date(2025, 10, 1)
    last = datetime(2025, 9, 1, 10, 30)
    late = [OverdueSource("construction_acceptance", due, date(2025, 10, 3), last, "台账.xlsx")]
    assert outbox.enqueue_overdue(con, late) == 1
    assert outbox.enqueue_overdue(con, late) == 0  # tomorrow's check, same missed delivery
    again = [OverdueSource("construction_acceptance", due, date(2025, 10, 31), last)]
    assert outbox.enqueue_overdue(con, again) == 1  # a whole cadence (30 days) later
    [first, *_] = sorted(rows(con), key=lambda r: r.created_at)
    assert first.department_code == "YC_HOUSING_CONSTRUCTION"
    assert first.payload["days_overdue"] == 2 and first.payload["cadence_days"] == 30


def test_overdue_takes_the_freshness_dags_rows(con) -> None:
    class Freshness:  # the shape of orchestration.freshness.Freshness
        def __init__(self, source, due_on, is_overdue):
            self.source, self.due_on, self.is_overdue = source, due_on, is_overdue
            self.checked_on, self.last_received_at = date(2025, 11, 1), None

    checked = [
        Freshness("agri_testing", date(2025, 10, 20), True),
        Freshness("market_sampling", date(2025, 11, 5), False),
        Freshness("indicator_reports", None, True),
    ]
    assert outbox.enqueue_overdue(con, checked) == 2
    got = {r.source: r.payload for r in rows(con)}
    assert got["agri_testing"]["days_overdue"] == 12
    assert got["indicator_reports"]["due"] is None


def make_scorecard(con, rows_: list[tuple]) -> None:
    con.execute("create schema if not exists marts")
    con.execute(
        "create or replace table marts.mart_indicator_scorecard (indicator_code varchar, "
        "county_code varchar, period varchar, name_zh varchar, unit varchar, target_text varchar, "
        "actual_value double, target_value double, gap double, status varchar)"
    )
    con.executemany(
        "insert into marts.mart_indicator_scorecard values (?,?,?,?,?,?,?,?,?,?)", rows_
    )


SCORECARD = [
    ("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "360900", "2025", "大中型工程项目一次验收合格率", "%",
     "大中型工程项目一次验收合格率达到100%", 95.0, 100.0, -5.0, "not_achieved"),
    ("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "360902", "2025", "大中型工程项目一次验收合格率", "%",
     "大中型工程项目一次验收合格率达到100%", 80.0, 100.0, -20.0, "not_achieved"),
    ("STD_LOCAL", "360900", "2025", "制修订地方标准", "项", "制修订地方标准达到62项以上",
     None, 62.0, None, "no_data"),
    ("STD_LOCAL", "360983", "2025", "制修订地方标准", "项", "制修订地方标准达到62项以上",
     14.0, 62.0, -48.0, "not_achieved"),
    ("STD_GROUP", "360900", "2025", "团体标准", "项", "团体标准达到50项以上",
     55.0, 50.0, 5.0, "achieved"),
    ("STD_GROUP", "360900", "2024", "团体标准", "项", "团体标准达到50项以上",
     5.0, 50.0, -45.0, "not_achieved"),
]  # fmt: skip


def test_digest_goes_to_owners_and_the_quality_office_once_a_week(con) -> None:
    make_scorecard(con, SCORECARD)
    as_of = date(2025, 11, 3)
    written = outbox.enqueue_indicator_digest(con, as_of)
    digests = {r.department_code: r.payload for r in rows(con)}
    assert written == len(digests)
    # the housing bureau owns the acceptance rate, not the local standards
    housing = digests["YC_HOUSING_CONSTRUCTION"]
    assert [i["code"] for i in housing["shortfalls"]] == ["QUAL_PROJECT_FIRST_ACCEPTANCE_RATE"]
    assert housing["shortfalls"][0]["city"]["shortfall"] == 5.0
    assert [c["name"] for c in housing["shortfalls"][0]["counties"]] == ["袁州区"]
    assert housing["missing"] == []
    # science and technology owns STD_LOCAL: no data for the city; county counts not listed
    assert digests["YC_SCIENCE_TECH"]["shortfalls"] == []
    assert [m["code"] for m in digests["YC_SCIENCE_TECH"]["missing"]] == ["STD_LOCAL"]
    office = digests["YC_MARKET_REGULATION"]
    assert office["whole_plan"] and len(office["shortfalls"]) == 1 and len(office["missing"]) == 1
    assert "YC_HEALTH" not in digests  # nothing of theirs is short
    assert outbox.enqueue_indicator_digest(con, date(2025, 11, 7)) == 0  # same ISO week
    assert outbox.enqueue_indicator_digest(con, date(2025, 11, 10)) == written


def test_digest_without_a_build_says_so(con) -> None:
    with pytest.raises(RuntimeError, match="qcity build"):
        outbox.enqueue_indicator_digest(con, date(2025, 11, 3))


class FakeTI:
    dag_id, task_id, run_id, try_number, map_index = "qcity_ingest", "load", "manual__1", 2, -1
    hostname = "worker-1"

    @property
    def log_url(self) -> str:
        raise RuntimeError("no webserver configured")  # a property that fails: tolerated


def test_pipeline_failure_from_an_airflow_context(con) -> None:
    failure = PipelineFailure.from_context({"ti": FakeTI(), "exception": ValueError("坏数据")})
    assert failure.exception == "ValueError: 坏数据" and failure.log_url is None
    assert outbox.enqueue_pipeline_failure(con, failure) == 1
    assert outbox.enqueue_pipeline_failure(con, failure) == 0
    [row] = rows(con)
    assert row.department_code == DATA_TEAM
    assert json.loads(json.dumps(row.payload))["task_id"] == "load"
