"""Done when a BI reader and a build run side by side without errors or torn reads.

Two reader processes read the serving copy the whole time (one keeps a single connection
open, one reconnects for every read) while the warehouse receives new exports
(`qcity ingest`), is rebuilt (`qcity build`) and published (`qcity publish`), as a user or
the DAG runs them, each in its own process. The build must not fail because of the
readers, and the readers must never fail nor see anything but whole versions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MARKET_HEADER, market_row, write_csv
from tests.serving.built import copy_of
from warehouse.serving import SERVING_FILE_NAME

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def qcity(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "qcity.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=PROJECT_ROOT,
    )
    print(f"qcity {args[0]}: {time.perf_counter() - started:.1f} s")
    return done


def start_reader(mode: str, serving: Path, stop: Path, result: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.serving.reader_probe",
            mode,
            str(serving),
            str(stop),
            str(result),
        ],
        cwd=PROJECT_ROOT,
    )


@pytest.mark.slow
def test_readers_and_a_build_run_side_by_side(built: Path, tmp_path: Path):
    warehouse = copy_of(built, tmp_path / "qcity.duckdb")
    env = {
        **os.environ,
        "QCITY_WAREHOUSE": str(warehouse),
        "QCITY_SERVING_DIR": str(tmp_path / "serving"),
        "QCITY_BUILD_DIR": str(tmp_path / "build"),
        "DBT_TARGET_PATH": str(tmp_path / "dbt" / "target"),
        "DBT_LOG_PATH": str(tmp_path / "dbt" / "logs"),
        "QCITY_PG_PUBLISH": "0",
    }
    first = qcity("publish", "--no-report", "--json", env=env)
    assert first.returncode == 0, first.stderr
    serving = tmp_path / "serving" / SERVING_FILE_NAME

    stop = tmp_path / "stop"
    readers = {
        mode: (
            start_reader(mode, serving, stop, tmp_path / f"{mode}.json"),
            tmp_path / f"{mode}.json",
        )
        for mode in ("sticky", "fresh")
    }
    time.sleep(1.0)  # both readers are in their loops before the writer starts
    try:
        # A new sampling round: 300 food samples, one in ten failed.
        rows = [
            market_row(f"NEW{i:04d}", "不合格", "菌落总数║2.1×10⁵CFU/g║≤1.0×10⁵CFU/g")
            if i % 10 == 0
            else market_row(f"NEW{i:04d}")
            for i in range(300)
        ]
        export = write_csv(
            tmp_path / "宜春市市场监管局2025年第9期食品监督抽检信息.csv", [MARKET_HEADER, *rows]
        )
        ingested = qcity("ingest", "--json", str(export), env=env)
        assert ingested.returncode == 0, ingested.stdout + ingested.stderr
        assert json.loads(ingested.stdout)["rows_loaded"] == 300
        built_again = qcity("build", "--no-publish", env=env)  # this test publishes itself
        assert built_again.returncode == 0, built_again.stdout + built_again.stderr
        # Several publications while the readers read: every swap is a chance to tear.
        for _ in range(3):
            published = qcity("publish", "--no-report", env=env)
            assert published.returncode == 0, published.stderr
        time.sleep(0.5)
    finally:
        stop.touch()
        for process, _ in readers.values():
            process.wait(timeout=60)

    results = {mode: json.loads(path.read_text()) for mode, (_, path) in readers.items()}
    for mode, result in results.items():
        assert result["errors"] == [], mode
        assert result["reads"] > 20, mode
        assert all(state["consistent"] for state in result["seen"]), (mode, result["seen"])

    # The sticky reader read version 1 throughout, although three versions came after it.
    sticky = results["sticky"]["seen"]
    assert [s["sequence"] for s in sticky] == [1]
    # The fresh reader saw versions in order, ending with the last, which has the new rows.
    fresh = [s["sequence"] for s in results["fresh"]["seen"]]
    assert fresh == sorted(fresh)
    assert fresh[0] == 1 and fresh[-1] == 4
    last = results["fresh"]["seen"][-1]
    assert last["samples"] == sticky[0]["samples"] + 300
