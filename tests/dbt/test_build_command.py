"""`qcity build` from the user's side: empty warehouse, docs, and one-sentence errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dbt.conftest import dbt_paths, invoke_build, new_warehouse, qcity_build, query
from warehouse.connection import BUSY_EXIT_CODE, busy_message, is_lock_error
from warehouse.dbt_build import build_vars, run_dbt


def with_build_vars(*args: str) -> list[str]:
    """dbt arguments with `qcity build`'s --vars: dbt run directly then reads the suite's
    parse (tests/conftest.py); other vars would parse the whole project again."""
    return [*args, "--vars", json.dumps(build_vars(None, full_scan=False))]


@pytest.mark.slow
def test_build_on_a_new_warehouse_gives_an_all_no_data_scorecard(tmp_path: Path) -> None:
    warehouse = tmp_path / "new" / "qcity.duckdb"
    with dbt_paths(tmp_path) as target:
        output = qcity_build(warehouse)
        assert "Built on duckdb" in output
        statuses = query(
            warehouse,
            "select status, count(*) from marts.mart_indicator_scorecard group by 1 order by 1",
        )
        # The four qualitative targets: 全省先进水平, 全省前列 and the two centres to build.
        assert statuses == [("no_data", 30), ("qualitative", 4)]
        docs = run_dbt(with_build_vars("docs", "generate"), warehouse.resolve(), capture=True)
        assert docs.returncode == 0, docs.stdout
        assert (target / "catalog.json").exists()
        assert (target / "index.html").exists()


def test_unknown_target_is_one_sentence(tmp_path: Path) -> None:
    result = invoke_build(tmp_path / "w.duckdb", "--target", "oracle")
    assert result.exit_code == 2
    assert "unknown target 'oracle'" in result.output
    assert "Traceback" not in result.output


def test_unreachable_postgres_is_one_sentence(tmp_path: Path) -> None:
    result = invoke_build(tmp_path / "w.duckdb", "--target", "postgres", env={"QCITY_PG_PORT": "1"})
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot connect to PostgreSQL at 127.0.0.1:1")
    assert len(result.output.strip().splitlines()) == 1


# `--select counties` alone, without the relationship tests of models that point at it.
ONE_SEED_ONLY = {"DBT_INDIRECT_SELECTION": "cautious"}


def _hold_warehouse(warehouse: Path, seconds: float) -> subprocess.Popen[str]:
    """A second process holding the DuckDB file open for writing, as a load does."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "time.sleep(float(sys.argv[2]))",
            str(warehouse),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


def test_busy_warehouse_is_one_sentence(tmp_path: Path) -> None:
    warehouse = tmp_path / "busy.duckdb"
    holder = _hold_warehouse(warehouse, 60)
    try:
        result = invoke_build(warehouse, "--wait", "1")
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == BUSY_EXIT_CODE
    [line] = result.output.strip().splitlines()
    assert line.startswith("数据仓库正被另一个进程（pid ")
    assert f"(pid {holder.pid})" in line and "after waiting 1 s" in line


def test_build_waits_for_the_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "qcity.duckdb"
    holder = _hold_warehouse(warehouse, 3)
    try:
        with dbt_paths(tmp_path):
            result = invoke_build(
                warehouse, "--wait", "120", "--select", "counties", env=ONE_SEED_ONLY
            )
    finally:
        holder.wait(timeout=30)
    assert result.exit_code == 0, result.output
    assert query(warehouse, "select count(*) > 0 from reference.counties") == [(True,)]


def test_dbt_meeting_a_held_warehouse_shows_no_traceback(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A load that takes the file after our look: dbt's lock traceback is held back."""
    warehouse = tmp_path / "qcity.duckdb"
    holder = _hold_warehouse(warehouse, 60)
    try:
        with dbt_paths(tmp_path):
            completed = run_dbt(
                with_build_vars("build", "--select", "counties"),
                warehouse.resolve(),
                env=ONE_SEED_ONLY,
            )
    finally:
        holder.kill()
        holder.wait()
    assert completed.returncode != 0 and is_lock_error(completed.stdout)
    assert "Traceback" in completed.stdout and "Traceback" not in capfd.readouterr().out
    line = busy_message(warehouse, completed.stdout, 0)
    assert f"(pid {holder.pid})" in line


@pytest.mark.slow
def test_failing_dbt_test_makes_the_build_fail(tmp_path: Path) -> None:
    warehouse = tmp_path / "qcity.duckdb"
    with new_warehouse(warehouse) as con:
        # A verdict outside the contract's vocabulary breaks an accepted_values test.
        con.execute(
            "insert into raw.market_sampling (sample_id, sampling_type, product_name, "
            "sampled_unit, county_code, sampling_date, verdict, _load_id, _row_number) "
            "values ('X1', 'food', '大米', '超市', '360902', date '2025-01-05', 'maybe', 1, 2)"
        )
    with dbt_paths(tmp_path):
        result = invoke_build(warehouse, "--select", "stg_market_regulation__market_sampling")
    assert result.exit_code == 1
    assert result.output.startswith("Error: dbt build on duckdb failed (exit code 1)")
