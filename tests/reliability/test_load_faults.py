"""The machine's faults are not the department's: a full disk never rejects a file.

A small tmpfs is the warehouse folder (or TMPDIR); a file that does not fit must leave the
warehouse as it was, the file in landing, no department alert (the data team's instead),
one sentence from the CLI and no traceback; once space is back the same file loads. Needs
root to mount; skipped otherwise, except under CI=true, where it must run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingestion.errors import LoadFault
from orchestration.folders import Folders
from orchestration.ingest import LEDGER, ingest_listed, run_outcomes
from orchestration.landing import list_ready
from sample_data import write_market_sampling_csv
from tests.conftest import MARKET_HEADER, good_market_rows, write_csv
from warehouse.connection import connect

ROWS = 60_000
SMALL, LARGE = "1600k", "256m"


class Tmpfs:
    def __init__(self, path: Path) -> None:
        self.path = path

    def resize(self, size: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Tmpfs]:
    """A tmpfs of SMALL bytes, unmounted afterwards."""
    path = tmp_path / "small_disk"
    path.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SMALL}", "tmpfs", str(path)],
            capture_output=True,
        ).returncode
        == 0
    )
    if not mounted:
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs as root and must be able to mount a tmpfs")
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield Tmpfs(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 23 MB of varied rows: far more than SMALL once loaded."""
    path = tmp_path_factory.mktemp("full_disk") / "抽检汇总.csv"
    write_market_sampling_csv(path, ROWS, seed=3)
    return path


def cli(warehouse: Path, build: Path, *files: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qcity.cli", "ingest", "--json", *map(str, files)],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "QCITY_WAREHOUSE": str(warehouse),
            "QCITY_BUILD_DIR": str(build),
            **env,
        },
        timeout=600,
    )


def warehouse_state(path: Path) -> tuple:
    """Manifest statuses, raw rows, and the alert kinds by department: nothing else changes."""
    with duckdb.connect(str(path), read_only=True) as con:
        return (
            con.execute("select status, count(*) from audit.file_manifest group by 1").fetchall(),
            con.execute("select count(*) from raw.market_sampling").fetchone()[0],
            con.execute(
                "select kind, department_code from audit.alert_outbox order by 1, 2"
            ).fetchall(),
        )


def spooled_kinds(build: Path) -> list[tuple[str, str]]:
    spool = build / "alerts" / "spool"
    return sorted(
        (d["kind"], d["department_code"])
        for d in (json.loads(p.read_text(encoding="utf-8")) for p in spool.glob("*.json"))
    )


def assert_one_clear_sentence(stderr: str, file_name: str) -> None:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "磁盘空间不足" in lines[0] and "No space left on device" in lines[0]
    assert file_name in lines[0] and "不是文件的问题" in lines[0]


def test_a_full_warehouse_disk_rejects_nothing_and_the_file_loads_later(
    tmp_path: Path, tmpfs: Tmpfs, big_csv: Path
) -> None:
    warehouse, build = tmpfs.path / "w.duckdb", tmp_path / "build"
    small = write_csv(tmp_path / "小批.csv", [MARKET_HEADER, *good_market_rows(5)])
    assert cli(warehouse, build, small).returncode == 0
    before = warehouse_state(warehouse)

    full = cli(warehouse, build, big_csv)
    assert full.returncode == 4, full.stderr
    assert full.stdout == ""
    assert_one_clear_sentence(full.stderr, big_csv.name)
    assert warehouse_state(warehouse) == before  # nothing recorded, no department alert
    assert spooled_kinds(build) == [("pipeline_failure", "DATA_TEAM")]  # the outbox was full

    tmpfs.resize(LARGE)
    again = cli(warehouse, build, big_csv)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "loaded"
    statuses, rows, _ = warehouse_state(warehouse)
    assert (statuses, rows) == ([("loaded", 2)], 5 + ROWS)


def test_a_full_temp_folder_is_the_machines_fault_too(
    tmp_path: Path, tmpfs: Tmpfs, big_csv: Path
) -> None:
    """A GB18030 export is re-encoded to UTF-8 in TMPDIR before it is read."""
    gbk = tmp_path / "抽检汇总_gbk.csv"
    gbk.write_bytes(big_csv.read_text(encoding="utf-8").encode("gb18030"))
    warehouse, build = tmp_path / "w.duckdb", tmp_path / "build"
    full = cli(warehouse, build, gbk, TMPDIR=str(tmpfs.path))
    assert full.returncode == 4, full.stderr
    assert_one_clear_sentence(full.stderr, gbk.name)
    assert warehouse_state(warehouse) == ([], 0, [("pipeline_failure", "DATA_TEAM")])

    tmpfs.resize(LARGE)
    again = cli(warehouse, build, gbk, TMPDIR=str(tmpfs.path))
    assert again.returncode == 0, again.stderr
    assert warehouse_state(warehouse)[:2] == ([("loaded", 1)], ROWS)


def drop(folders: Folders, source: Path, age: float = 600) -> None:
    target = folders.landing_dir("market_sampling") / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    os.utime(target, (time.time() - age, time.time() - age))


def test_a_full_disk_in_the_landing_flow_leaves_the_file_for_a_later_run(
    tmp_path: Path, tmpfs: Tmpfs, big_csv: Path
) -> None:
    folders = Folders(tmp_path / "landing", tmp_path / "archive", tmp_path / "rejected")
    warehouse = tmpfs.path / "w.duckdb"
    drop(folders, big_csv)
    listing = list_ready(folders, "market_sampling", settle=5).ready
    con = connect(warehouse)
    try:
        with pytest.raises(LoadFault) as raised:  # the task fails; Airflow retries it
            ingest_listed(con, folders, "run-1", listing, 0)
    finally:
        con.close()
    assert raised.value.kind == "disk_full"
    assert (folders.landing_dir("market_sampling") / big_csv.name).exists()
    assert [
        p for p in (*folders.rejected.rglob("*"), *folders.archive.rglob("*")) if p.is_file()
    ] == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(f"select count(*) from {LEDGER}").fetchone() == (0,)
    assert warehouse_state(warehouse) == ([], 0, [])

    tmpfs.resize(LARGE)
    listing = list_ready(folders, "market_sampling", settle=5).ready
    con = connect(warehouse)
    try:
        loaded = ingest_listed(con, folders, "run-2", listing, 0)
    finally:
        con.close()
    assert (loaded.status, loaded.rows_loaded) == ("loaded", ROWS)
    assert list(folders.landing_dir("market_sampling").iterdir()) == []


def test_a_redropped_file_whose_earlier_attempt_was_not_a_content_decision_is_loaded(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """Rejections the old loader made for any error (`validation_error`, a full disk among
    them) and the fast reader's "CSV Error on Line" never judged the content."""
    folders = Folders(tmp_path / "landing", tmp_path / "archive", tmp_path / "rejected")
    exports = tmp_path / "exports"
    exports.mkdir()
    files = [
        write_csv(exports / f"抽检{i}.csv", [MARKET_HEADER, *good_market_rows(3, prefix=p)])
        for i, p in enumerate("ABC")
    ]
    from warehouse.load import file_sha256

    legacy = [
        ("validation_error", "validating file x failed with an error: No space left on device"),
        ("unreadable", "file x cannot be read: Invalid Input Error: CSV Error on Line: 110001"),
        ("empty", "file x is empty"),  # a content decision: final
    ]
    for load_id, (path, (rule, error_en)) in enumerate(zip(files, legacy, strict=True), 900):
        con.execute(
            "insert into audit.file_manifest (load_id, file_sha256, file_name, file_path, "
            "file_size_bytes, source, status, rows_read, rows_loaded, rows_quarantined, "
            "rows_skipped, error_en, reject_rule, received_at, finished_at) values "
            "(?, ?, ?, ?, 1, 'market_sampling', 'rejected', 0, 0, 0, 0, ?, ?, now(), now())",
            [load_id, file_sha256(path), path.name, str(path), error_en, rule],
        )
        drop(folders, path, age=300 - (load_id - 900) * 10)
    listing = list_ready(folders, "market_sampling", settle=5).ready
    ingest_listed(con, folders, "run-redrop", listing, len(listing) - 1)
    outcomes = {o.file_name: o.status for o in run_outcomes(con, "run-redrop", "market_sampling")}
    assert outcomes == {
        "抽检0.csv": "loaded",
        "抽检1.csv": "loaded",
        "抽检2.csv": "already_recorded",
    }
