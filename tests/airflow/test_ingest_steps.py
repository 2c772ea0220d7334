"""Loading listed files exactly once each, in delivery order, whatever order tasks run in,
one file per transaction within a task's chunk of the listing."""

from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path

import pytest

from ingestion import engine
from ingestion.contracts import all_contracts
from ingestion.errors import LoadFault
from orchestration.folders import Folders
from orchestration.freshness import record_freshness
from orchestration.ingest import chunk_listing, ingest_chunk, ingest_listed, run_outcomes
from orchestration.landing import list_ready
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv

FOLDER = "market_sampling"


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    return Folders(tmp_path / "landing", tmp_path / "archive", tmp_path / "rejected")


def drop(folders: Folders, name: str, rows: list[list[str]], age: float) -> Path:
    path = folders.landing_dir(FOLDER) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, [MARKET_HEADER, *rows])
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


def listing(folders: Folders):
    return list_ready(folders, FOLDER, settle=5).ready


def manifest(con) -> list[tuple]:
    return con.execute(
        "select load_id, file_name, status from audit.file_manifest order by load_id"
    ).fetchall()


def test_files_load_in_delivery_order_whichever_task_runs_first(con, folders) -> None:
    drop(folders, "抽检合格信息.csv", good_market_rows(3), age=300)
    corrected = [market_row("G0001", verdict="不合格", items="铅║1.2mg/kg║≤0.5mg/kg")]
    drop(folders, "抽检信息（更正）.csv", corrected, age=200)
    drop(folders, "第二批合格信息.csv", good_market_rows(2, prefix="H"), age=100)
    files = listing(folders)
    # the last file's task runs first: it loads the two before it, in order, then its own
    last = ingest_listed(con, folders, "run-1", files, 2)
    assert last.status == "loaded" and last.map_index == 2
    assert [name for _, name, _ in manifest(con)] == [f.name for f in files]
    first = ingest_listed(con, folders, "run-1", files, 0)  # no second load
    assert (first.status, first.load_id) == ("loaded", 1)
    assert len(manifest(con)) == 3
    # the correction is the newest version of G0001
    verdict = con.execute(
        "select verdict from raw.market_sampling where sample_id = 'G0001' "
        "order by _load_id desc limit 1"
    ).fetchone()
    assert verdict == ("fail",)
    assert list(folders.landing_dir(FOLDER).iterdir()) == []


def test_a_rejected_file_is_moved_aside_with_its_sha256_and_does_not_stop_the_next(
    con, folders
) -> None:
    drop(folders, "抽检信息.csv", [["no", "data"]], age=300)  # verdict undecidable: rejected
    drop(folders, "抽检合格信息.csv", good_market_rows(2), age=200)
    files = listing(folders)
    ingest_listed(con, folders, "run-1", files, 1)
    outcomes = run_outcomes(con, "run-1", FOLDER)
    assert [o.status for o in outcomes] == ["rejected", "loaded"]
    rejected = Path(outcomes[0].moved_to)
    assert rejected.parent == folders.rejected / FOLDER
    assert rejected.name == f"抽检信息.{outcomes[0].file_sha256}.csv"
    assert outcomes[0].error and "抽检信息.csv" in outcomes[0].error
    assert con.execute(
        "select status, file_path from audit.file_manifest where file_name = '抽检信息.csv'"
    ).fetchone() == ("rejected", str(rejected))
    assert Path(outcomes[1].moved_to).parent == folders.archive / FOLDER


def test_the_same_file_dropped_again_adds_nothing(con, folders) -> None:
    path = drop(folders, "抽检合格信息.csv", good_market_rows(3), age=300)
    content = path.read_bytes()
    ingest_listed(con, folders, "run-1", listing(folders), 0)
    before = manifest(con)
    rows = con.execute("select count(*) from raw.market_sampling").fetchone()
    path.write_bytes(content)
    os.utime(path, (time.time() - 100, time.time() - 100))
    again = ingest_listed(con, folders, "run-2", listing(folders), 0)
    assert again.status == "already_recorded" and again.load_id == before[0][0]
    assert manifest(con) == before
    assert con.execute("select count(*) from raw.market_sampling").fetchone() == rows
    assert not path.exists()


def test_a_file_rewritten_after_listing_waits_for_the_next_run_and_loads_whole(
    con, folders
) -> None:
    path = drop(folders, "抽检合格信息.csv", good_market_rows(2), age=300)
    files = listing(folders)
    write_csv(path, [MARKET_HEADER, *good_market_rows(5)])  # rewritten after the listing
    outcome = ingest_listed(con, folders, "run-1", files, 0)
    assert outcome.status == "changed" and path.exists()
    assert manifest(con) == []
    os.utime(path, (time.time() - 60, time.time() - 60))
    outcome = ingest_listed(con, folders, "run-2", listing(folders), 0)
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded) == ("loaded", 5, 5)


def test_freshness_flags_sources_past_their_cadence_and_rechecks_idempotently(con, folders) -> None:
    from datetime import date, timedelta

    drop(folders, "抽检合格信息.csv", good_market_rows(2), age=300)
    ingest_listed(con, folders, "run-1", listing(folders), 0)
    today = date.today()
    rows = {r.source: r for r in record_freshness(con, today)}
    assert not rows["market_sampling"].is_overdue
    assert rows["market_sampling"].days_since_delivery == 0
    assert rows["market_sampling"].last_file == "抽检合格信息.csv"
    assert rows["agri_testing"].is_overdue and rows["agri_testing"].due_on is None
    later = today + timedelta(days=8)  # weekly cadence: 8 days is late
    assert {r.source: r.is_overdue for r in record_freshness(con, later)}["market_sampling"]
    record_freshness(con, later)
    assert con.execute(
        "select checked_on, count(*) from audit.source_freshness group by 1 order by 1"
    ).fetchall() == [(today, len(all_contracts())), (later, len(all_contracts()))]


def test_chunks_are_consecutive_and_a_large_file_gets_one_of_its_own(folders) -> None:
    for i, rows in enumerate([2, 2, 2, 40, 2]):
        drop(folders, f"第{i}批.csv", good_market_rows(rows, prefix=f"C{i}"), age=300 - i)
    files = listing(folders)
    big = files[3].size
    chunks = chunk_listing(files, max_files=2, max_bytes=big + files[0].size - 1)
    assert [[f.name for f in chunk] for chunk in chunks] == [
        ["第0批.csv", "第1批.csv"],
        ["第2批.csv"],
        ["第3批.csv"],
        ["第4批.csv"],
    ]
    assert [f for chunk in chunk_listing(files, 25, 1 << 30) for f in chunk] == files


def test_a_chunk_records_a_rejected_file_a_duplicate_and_a_good_file(con, folders) -> None:
    original = drop(folders, "原件.csv", good_market_rows(3), age=400)
    ingest_listed(con, folders, "run-0", listing(folders), 0)
    archived = run_outcomes(con, "run-0", FOLDER)[0]
    drop(folders, "抽检信息.csv", [["no", "data"]], age=300)  # verdict undecidable: rejected
    copy = folders.landing_dir(FOLDER) / "原件副本.csv"  # the same bytes under another name
    shutil.copyfile(archived.moved_to, copy)
    os.utime(copy, (time.time() - 200, time.time() - 200))
    drop(folders, "第二批合格信息.csv", good_market_rows(2, prefix="H"), age=100)
    assert not original.exists()
    files = listing(folders)
    heard = []

    outcomes = ingest_chunk(con, folders, "run-1", files, files, 7, on_outcome=heard.append)

    assert [(o.file_name, o.status) for o in outcomes] == [
        ("抽检信息.csv", "rejected"),
        ("原件副本.csv", "duplicate"),
        ("第二批合格信息.csv", "loaded"),
    ]
    assert heard == outcomes
    ledger = run_outcomes(con, "run-1", FOLDER)
    assert [(o.file_name, o.status, o.map_index) for o in ledger] == [
        (o.file_name, o.status, 7) for o in outcomes
    ]
    assert [(name, status) for _, name, status in manifest(con)] == [
        ("原件.csv", "loaded"),
        ("抽检信息.csv", "rejected"),
        ("原件副本.csv", "duplicate"),
        ("第二批合格信息.csv", "loaded"),
    ]
    assert con.execute("select count(*) from raw.market_sampling").fetchone() == (5,)
    assert Path(outcomes[0].moved_to).parent == folders.rejected / FOLDER
    assert Path(outcomes[1].moved_to).parent == folders.archive / FOLDER
    assert list(folders.landing_dir(FOLDER).iterdir()) == []


def test_a_fault_in_the_middle_of_a_chunk_retries_it_without_reloading_the_first(
    con, folders, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i, name in enumerate(["第一批.csv", "第二批.csv", "第三批.csv"]):
        drop(folders, name, good_market_rows(2, prefix=f"K{i}"), age=300 - 10 * i)
    files = listing(folders)
    real_build = engine.FilePlan.build

    def disk_full_on_the_second(contract, match, file_name, *args, **kwargs):
        if file_name == "第二批.csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_build(contract, match, file_name, *args, **kwargs)

    monkeypatch.setattr(engine.FilePlan, "build", staticmethod(disk_full_on_the_second))
    with pytest.raises(LoadFault):
        ingest_chunk(con, folders, "run-1", files, files, 0)
    assert [(o.file_name, o.status) for o in run_outcomes(con, "run-1", FOLDER)] == [
        ("第一批.csv", "loaded")
    ]
    first_load = manifest(con)
    assert [name for _, name, _ in first_load] == ["第一批.csv"]
    left = sorted(p.name for p in folders.landing_dir(FOLDER).iterdir())
    assert left == ["第三批.csv", "第二批.csv"]

    monkeypatch.setattr(engine.FilePlan, "build", real_build)  # the disk has room again
    retried = ingest_chunk(con, folders, "run-1", files, files, 0)  # Airflow's retry

    assert [(o.file_name, o.status) for o in retried] == [
        ("第一批.csv", "loaded"),
        ("第二批.csv", "loaded"),
        ("第三批.csv", "loaded"),
    ]
    assert retried[0].load_id == first_load[0][0]
    assert [name for _, name, _ in manifest(con)] == [f.name for f in files]
    assert con.execute("select count(*) from raw.market_sampling").fetchone() == (6,)
    assert list(folders.landing_dir(FOLDER).iterdir()) == []


def test_a_chunk_judges_its_files_as_loading_them_one_by_one_would(
    con, folders, tmp_path: Path
) -> None:
    """Verdicts shared within a chunk (and judged ahead in one suite run) are the verdicts
    each file's own run gives: same rows loaded, same rows quarantined for the same rules."""
    from warehouse.connection import connect

    files = {
        "甲.csv": [*good_market_rows(8, "A"), market_row("A9", county="火星县")],
        "乙.csv": [*good_market_rows(8, "B"), market_row("B9", date="1899-01-01")],
        "丙.csv": [*good_market_rows(8, "C"), market_row("C9", county="火星县")],
    }

    def load(run_id: str, chunked: bool, into) -> list[tuple]:
        for age, (name, rows) in enumerate(files.items()):
            drop(folders, name, rows, age=300 - age)
        listed = listing(folders)
        if chunked:
            ingest_chunk(into, folders, run_id, listed, listed, 0)
        else:
            for index in range(len(listed)):
                ingest_listed(into, folders, run_id, listed, index)
        return into.execute(
            "select m.file_name, m.status, m.rows_loaded, m.rows_quarantined, "
            "list(q.rule order by q.row_number, q.rule) filter (where q.rule is not null) "
            "from audit.file_manifest m left join audit.quarantine q using (load_id) "
            "group by all order by m.file_name"
        ).fetchall()

    one_by_one = connect(tmp_path / "one_by_one.duckdb")
    try:
        expected = load("run-a", chunked=False, into=one_by_one)
    finally:
        one_by_one.close()
    assert [row[1:4] for row in expected] == [("loaded", 8, 1)] * 3, expected
    assert load("run-b", chunked=True, into=con) == expected
