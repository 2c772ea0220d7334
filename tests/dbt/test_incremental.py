"""Incremental facts: the second build takes only new loads and ends where a full refresh does."""

from __future__ import annotations

import json

import pytest

from tests.dbt.conftest import Built, query

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
    "mart_pass_rates",
    "mart_failure_reasons",
)


def table(built: Built, name: str) -> list[tuple]:
    return sorted(query(built.warehouse, f"select * from marts.{name}"), key=repr)


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
