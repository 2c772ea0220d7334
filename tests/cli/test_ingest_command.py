"""`qcity ingest` as a user runs it: JSON lines, exit codes, one-sentence errors.

The exit codes and the quiet stderr are proven in real child processes; the other tests run
the same command in this process (tests/qcity_cli.py), which proves the same for them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv
from tests.qcity_cli import run_qcity


def run_ingest(
    warehouse: Path, *args: str, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """`qcity ingest ARGS`; in a child process of its own when `process`."""
    env = {**os.environ, "QCITY_WAREHOUSE": str(warehouse)}
    return run_qcity("ingest", *args, env=env, in_process=not process)


def test_json_lines_and_exit_codes(tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [MARKET_HEADER, *good_market_rows(5)])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    os.utime(empty, ns=(good.stat().st_mtime_ns + 10**9,) * 2)  # received after good.csv
    warehouse = tmp_path / "w.duckdb"

    first = run_ingest(warehouse, "--json", str(good), process=True)
    assert first.returncode == 0, first.stderr
    line = json.loads(first.stdout)
    assert set(line) == {
        "file",
        "source",
        "sha256",
        "status",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "rows_skipped",
        "skipped",
        "sheet",
        "error",
    }
    assert (line["status"], line["source"], line["rows_loaded"], line["error"]) == (
        "loaded",
        "market_sampling",
        5,
        None,
    )

    second = run_ingest(warehouse, "--json", str(good), str(empty), process=True)
    assert second.returncode == 1
    lines = [json.loads(x) for x in second.stdout.splitlines()]
    assert [x["status"] for x in lines] == ["duplicate", "rejected"]
    assert "empty.csv" in lines[1]["error"]
    assert "Traceback" not in second.stderr


def test_human_output_names_the_problem_without_traceback(tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "nothing.csv", [["姓名"], ["张三"]])
    result = run_ingest(tmp_path / "w.duckdb", str(bad))
    assert result.returncode == 1
    assert "nothing.csv" in result.stderr and "Traceback" not in result.stderr


def test_folders_are_walked_and_temporary_files_skipped(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    write_csv(landing / "a.csv", [MARKET_HEADER, *good_market_rows(2)])
    write_csv(landing / "~$a.csv", [["lock"]])
    write_csv(landing / "b.csv.part", [["partial"]])
    result = run_ingest(tmp_path / "w.duckdb", "--json", str(landing))
    assert result.returncode == 0
    assert [json.loads(x)["file"] for x in result.stdout.splitlines()] == ["a.csv"]


def test_unknown_source_option(tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [MARKET_HEADER, *good_market_rows(1)])
    result = run_ingest(tmp_path / "w.duckdb", "--source", "weather", str(good))
    assert result.returncode == 2 and "known sources" in result.stderr


def test_validate_loads_nothing_and_lists_failed_expectations(tmp_path: Path) -> None:
    rows = [
        MARKET_HEADER,
        *good_market_rows(9),
        [*good_market_rows(1, prefix="Z")[0][:5], "火星区", "2025-03-05", "合格", ""],
    ]
    path = write_csv(tmp_path / "check.csv", rows)
    warehouse = tmp_path / "w.duckdb"
    env = {**os.environ, "QCITY_WAREHOUSE": str(warehouse), "QCITY_BUILD_DIR": str(tmp_path / "b")}
    done = subprocess.run(
        [sys.executable, "-m", "qcity.cli", "validate", "--json", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stdout)
    assert (line["status"], line["rows_loaded"], line["rows_quarantined"]) == ("valid", 9, 1)
    assert [f["rule"] for f in line["failed_expectations"]] == ["unknown_county"]
    assert not warehouse.exists()
    assert list((tmp_path / "b" / "corrections").glob("*_market_sampling_整改清单.xlsx"))
    assert (tmp_path / "b" / "data_docs" / "index.html").exists()


def _hold_warehouse(warehouse: Path, seconds: float) -> subprocess.Popen[str]:
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
        "time.sleep(float(sys.argv[2]))"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_second_writer_waits_then_loads(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    good = write_csv(tmp_path / "good.csv", [MARKET_HEADER, *good_market_rows(3)])
    holder = _hold_warehouse(warehouse, 4)
    try:
        done = run_ingest(warehouse, "--json", "--wait", "60", str(good))
    finally:
        holder.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "loaded"


def test_busy_warehouse_fails_with_a_sentence(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    good = write_csv(tmp_path / "good.csv", [MARKET_HEADER, *good_market_rows(3)])
    holder = _hold_warehouse(warehouse, 20)
    try:
        done = run_ingest(warehouse, "--wait", "0", str(good), process=True)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 3
    assert "in use by another process" in done.stderr and "Traceback" not in done.stderr


def test_symlinks_in_a_folder_are_not_followed(tmp_path: Path) -> None:
    outside = write_csv(tmp_path / "outside.csv", [MARKET_HEADER, *good_market_rows(2)])
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "link.csv").symlink_to(outside)
    write_csv(landing / "real.csv", [MARKET_HEADER, *good_market_rows(2, prefix="R")])
    done = run_ingest(tmp_path / "w.duckdb", "--json", str(landing))
    assert [json.loads(x)["file"] for x in done.stdout.splitlines()] == ["real.csv"]


def test_a_folder_loads_in_delivery_order_so_the_correction_wins(tmp_path: Path) -> None:
    """`…-更正.csv` sorts before its original by name; it was received later, and wins."""
    landing = tmp_path / "exports"
    landing.mkdir()
    original = write_csv(
        landing / "x.csv", [MARKET_HEADER, market_row("K1", county="袁州区"), market_row("K2")]
    )
    correction = write_csv(
        landing / "x-更正.csv", [MARKET_HEADER, market_row("K1", county="樟树市")]
    )
    os.utime(original, ns=(1_700_000_000_000_000_000,) * 2)
    os.utime(correction, ns=(1_700_000_100_000_000_000,) * 2)
    warehouse = tmp_path / "w.duckdb"

    result = run_ingest(warehouse, "--json", str(landing))

    assert result.returncode == 0, result.stderr
    assert [json.loads(x)["file"] for x in result.stdout.splitlines()] == ["x.csv", "x-更正.csv"]
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        current = con.execute(
            "select county_code from raw.market_sampling where sample_id = 'K1' "
            "order by _load_id desc limit 1"
        ).fetchone()
    assert current == ("360982",)


def test_files_listed_one_by_one_are_also_put_in_delivery_order(tmp_path: Path) -> None:
    from qcity.files import expand

    late = write_csv(tmp_path / "a-更正.csv", [["x"]])
    early = write_csv(tmp_path / "a.csv", [["x"]])
    same = write_csv(tmp_path / "b.csv", [["x"]])
    os.utime(early, ns=(1_000_000_000,) * 2)
    os.utime(same, ns=(1_000_000_000,) * 2)
    os.utime(late, ns=(2_000_000_000,) * 2)
    assert expand([late, same, early]) == [early, same, late]
    assert expand([tmp_path]) == [early, same, late]
