"""Incremental builds: facts take only new loads, the monthly counts recompute the periods
new loads touched (the aggregate marts add them up), data tests look at new rows, and each
build ends where a full refresh does."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import Built, dbt_paths, new_warehouse, qcity_build, query
from tests.dbt.dataset import THIRD_BATCH, Load, _agri, write_loads
from tests.shared import built_once
from warehouse.dbt_build import build_vars, dbt_build_args, new_loads_build, project_hash, run_dbt

pytestmark = pytest.mark.slow

INCREMENTAL_FACTS = (
    "fct_market_samples",
    "fct_market_failed_items",
    "fct_agri_tests",
    "fct_agri_samples",
    "fct_construction_acceptances",
    "fct_construction_projects",
)
MARTS = (
    *INCREMENTAL_FACTS,
    "fct_indicator_reports",
    "mart_indicator_measurements",
    "mart_indicator_scorecard",
    "mart_indicator_series",
    "mart_pass_rates",
    "mart_failure_reasons",
)


def table(built: Built, name: str, schema: str = "marts") -> list[tuple]:
    return sorted(query(built.warehouse, f"select * from {schema}.{name}"), key=repr)


def compiled_code(built: Built, model: str) -> str:
    results = json.loads((built.target_path / "run_results.json").read_text())
    for result in results["results"]:
        if result["unique_id"] == f"model.qcity.{model}":
            return result["compiled_code"]
    raise AssertionError(f"{model} did not run")


@pytest.mark.parametrize("model", INCREMENTAL_FACTS)
def test_second_build_reads_only_loads_newer_than_the_table(
    duckdb_built: Built, model: str
) -> None:
    assert "coalesce(max(" in compiled_code(duckdb_built, model)


@pytest.mark.parametrize("model", INCREMENTAL_FACTS)
def test_full_refresh_reads_all_history(duckdb_full_refresh: Built, model: str) -> None:
    assert "coalesce(max(" not in compiled_code(duckdb_full_refresh, model)


@pytest.mark.parametrize("model", MARTS)
def test_incremental_build_equals_full_refresh(
    duckdb_built: Built, duckdb_full_refresh: Built, model: str
) -> None:
    assert table(duckdb_built, model) == table(duckdb_full_refresh, model)


def test_a_corrected_sample_loses_the_items_of_its_old_version(duckdb_built: Built) -> None:
    items = query(
        duckdb_built.warehouse,
        "select sample_id, failed_item, load_id from marts.fct_market_failed_items order by 1",
    )
    assert [(s, i) for s, i, _ in items] == [
        ("M02", "二氧化硫残留量"),
        ("M06", "耐磨性"),
        ("M09", "铅(以Pb计)"),
        ("M10", "含量测定"),
    ]
    assert dict((s, load) for s, _, load in items)["M10"] == 5


def test_facts_keep_lineage_to_file_and_row(duckdb_built: Built) -> None:
    rows = query(
        duckdb_built.warehouse,
        "select source_file_name, source_row_number, load_id from marts.fct_market_samples "
        "where sample_id in ('M04', 'M01') order by sample_id",
    )
    assert rows == [
        ("宜春市市场监管局2025年食品药品抽检.csv", 2, 1),
        ("宜春市市场监管局2025年食品药品抽检（更正）.csv", 2, 5),
    ]


# A third day: a late correction that moves samples between months, years and counties, a
# new county, and nothing for construction or returns (tests/dbt/dataset.py, THIRD_BATCH).
AGGREGATE_MARTS = (
    "mart_pass_rates",
    "mart_failure_reasons",
    "mart_indicator_measurements",
    "mart_indicator_series",
)


def _build_third_day(duckdb_built: Built, base: Path) -> None:
    warehouse = base / "qcity.duckdb"
    shutil.copy(duckdb_built.warehouse, warehouse)
    with new_warehouse(warehouse) as con:
        write_loads(con, THIRD_BATCH)
    with dbt_paths(base / "daily"):
        qcity_build(warehouse)
    refreshed = base / "refresh" / "qcity.duckdb"
    refreshed.parent.mkdir()
    shutil.copy(warehouse, refreshed)
    with dbt_paths(base / "refresh"):
        qcity_build(refreshed, "--full-refresh")


@pytest.fixture(scope="module")
def third_day(duckdb_built: Built, tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Built]:
    """After the third day's loads: the warehouse built incrementally, and a copy refreshed."""
    base = built_once(
        tmp_path_factory, "dbt-third-day", lambda base: _build_third_day(duckdb_built, base)
    )
    return (
        Built(base / "qcity.duckdb", base / "daily" / "target"),
        Built(base / "refresh" / "qcity.duckdb", base / "refresh" / "target"),
    )


@pytest.mark.parametrize("model", [*MARTS, "mart_indicator_progress", "mart_data_quality"])
def test_a_daily_build_after_a_late_correction_equals_a_full_refresh(
    third_day: tuple[Built, Built], model: str
) -> None:
    daily, refreshed = third_day
    assert table(daily, model) == table(refreshed, model)


MONTHLY_COUNTS = ("int_monthly_outcomes", "int_monthly_failures")


@pytest.mark.parametrize("model", MONTHLY_COUNTS)
def test_monthly_counts_recompute_only_the_touched_periods(
    third_day: tuple[Built, Built], model: str
) -> None:
    daily, refreshed = third_day
    touched = 'int_touched_periods" as touched'
    assert touched in compiled_code(daily, model)
    assert touched not in compiled_code(refreshed, model)
    assert table(daily, model, "intermediate") == table(refreshed, model, "intermediate")


def test_monthly_counts_skip_a_source_no_load_touched(third_day: tuple[Built, Built]) -> None:
    """The third day brings nothing for construction: its facts are not read at all."""
    daily, _ = third_day
    code = compiled_code(daily, "int_monthly_outcomes")
    acceptances = code[code.index("acceptances as (") : code.index("projects as (")]
    assert re.search(r"where\s+false\s", acceptances), acceptances


@pytest.mark.parametrize("model", AGGREGATE_MARTS)
def test_aggregate_marts_add_up_the_monthly_counts_not_the_facts(
    third_day: tuple[Built, Built], model: str
) -> None:
    daily, _ = third_day
    code = compiled_code(daily, model)
    assert '"int_monthly_' in code or '"int_measured_indicator_months"' in code
    assert not [fact for fact in INCREMENTAL_FACTS if f'"{fact}"' in code]


def test_the_daily_build_runs_only_what_the_new_loads_touched(
    third_day: tuple[Built, Built],
) -> None:
    daily, _ = third_day
    results = json.loads((daily.target_path / "run_results.json").read_text())
    ran = {r["unique_id"] for r in results["results"]}
    assert "model.qcity.fct_market_samples" in ran
    assert "model.qcity.fct_agri_samples" in ran
    assert "model.qcity.fct_construction_acceptances" not in ran
    assert "model.qcity.fct_indicator_reports" not in ran
    assert not any(unique_id.startswith("unit_test.") for unique_id in ran)


def test_a_moved_sample_leaves_its_old_month_and_reaches_a_new_county(
    third_day: tuple[Built, Built],
) -> None:
    daily, _ = third_day
    drug_months = query(
        daily.warehouse,
        "select county_code, year_month, tested_count from marts.mart_pass_rates "
        "where source = 'market_sampling' and sub_type = 'drug' order by 1, 2",
    )
    assert ("360981", "2025-04", 1) not in drug_months
    assert ("360982", "2025-03", 1) in drug_months
    assert query(
        daily.warehouse,
        "select period, observed_count from marts.mart_indicator_measurements "
        "where county_code = '360926'",
    ) == [("2024", 1)]


def _dbt_test(
    warehouse: Path, base: Path, full_scan: bool = False
) -> subprocess.CompletedProcess[str]:
    """`dbt test` of the fact's uniqueness with the vars `qcity build` passes."""
    variables = json.dumps(build_vars(None, full_scan))
    with dbt_paths(base):
        return run_dbt(
            ["test", "--select", "fct_market_samples,test_name:unique", "--vars", variables],
            warehouse,
            capture=True,
        )


def test_a_new_row_repeating_an_old_key_fails_the_uniqueness_test(
    third_day: tuple[Built, Built], tmp_path: Path
) -> None:
    """New rows are tested against old ones; old rows alone only in a full scan."""
    daily, _ = third_day
    warehouse = tmp_path / "qcity.duckdb"
    shutil.copy(daily.warehouse, warehouse)
    assert _dbt_test(warehouse, tmp_path / "clean").returncode == 0
    with duckdb.connect(str(warehouse)) as con:
        # an old sample twice among old loads: not a new row, the incremental test passes
        con.execute(
            "insert into marts.fct_market_samples select * from marts.fct_market_samples "
            "where sample_id = 'M01'"
        )
    assert _dbt_test(warehouse, tmp_path / "old").returncode == 0
    full_scan = _dbt_test(warehouse, tmp_path / "full", full_scan=True)
    assert full_scan.returncode == 1, full_scan.stdout
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.fct_market_samples where sample_id = 'M01'")
        # an old sample's key arriving again with a load id the last build has not seen
        con.execute(
            "insert into marts.fct_market_samples by name "
            "select * replace (99 as load_id) from marts.fct_market_samples "
            "where sample_id = 'M02'"
        )
    new = _dbt_test(warehouse, tmp_path / "new")
    assert new.returncode == 1, new.stdout
    assert "unique_fct_market_samples_sample_id" in new.stdout


def test_a_load_landing_while_dbt_starts_stays_new_for_the_next_build(
    third_day: tuple[Built, Built], tmp_path: Path
) -> None:
    """The watermark moves to the newest load the selection saw, not to one that arrived
    between the selection and dbt's start, whose source was not selected."""
    daily, _ = third_day
    warehouse = tmp_path / "qcity.duckdb"
    shutil.copy(daily.warehouse, warehouse)
    project = project_hash()
    seen = new_loads_build(warehouse, project)
    assert seen is not None and not any("agri_testing" in s for s in seen.select)
    late = Load(
        13,
        "agri_testing",
        "农产品例行监测2025（迟到）.xlsx",
        rows=[_agri("A91", "毒死蜱", "quantitative", "360902", "2025-02-03", "pass")],
    )
    with new_warehouse(warehouse) as con:
        write_loads(con, [late])
    args = dbt_build_args(False, seen.select, build_vars(None, False))
    with dbt_paths(tmp_path / "build"):
        built = run_dbt([*args, "--exclude", *seen.exclude], warehouse, env=seen.env, capture=True)
    assert built.returncode == 0, built.stdout
    assert query(warehouse, "select built_load_id from build_state.watermark") == [
        (seen.newest_load_id,)
    ]
    after = new_loads_build(warehouse, project)
    assert after is not None and "source:*.agri_testing*+" in after.select
