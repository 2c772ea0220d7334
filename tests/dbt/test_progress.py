"""`qcity build` on DuckDB: the progress mart has one headline row per indicator x county.

Its values are the hand-computed ones of tests/dbt/dataset.py: the four measured rates
exactly (to the mart's four decimals), the departments' returns as returned.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.dbt.conftest import Built, query
from tests.dbt.dataset import CITY, EXPECTED_RATES

pytestmark = pytest.mark.slow

PROGRESS = "marts.mart_indicator_progress"
COUNTY_CODES = 15  # the contract's 14 plus the whole city
KINDS = {"rate", "level", "increment", "qualitative"}
STATUSES = {"achieved", "on_track", "off_track", "no_data", "qualitative", "not_applicable"}


def progress(built: Built) -> dict[tuple[str, str], dict]:
    names = (
        "kind", "area", "decimals", "actual_value", "actual_period", "baseline_value",
        "baseline_period", "target_value", "gap", "status", "progress_ratio", "sample_size",
        "as_of",
    )  # fmt: skip
    rows = query(
        built.warehouse,
        f"select indicator_code, county_code, target_year, {', '.join(names)} from {PROGRESS}",
    )
    assert {r[2] for r in rows} == {2025}
    return {r[:2]: dict(zip(names, r[3:], strict=True)) for r in rows}


def test_one_row_per_indicator_and_county_for_2025(duckdb_built: Built) -> None:
    rows = query(duckdb_built.warehouse, f"select indicator_code, county_code from {PROGRESS}")
    assert len(rows) == len(set(rows)) == 34 * COUNTY_CODES
    assert len({r[1] for r in rows}) == COUNTY_CODES


def test_every_indicator_has_a_kind(duckdb_built: Built) -> None:
    kinds = dict(
        query(
            duckdb_built.warehouse,
            "select indicator_code, kind from marts.dim_indicator where not is_monitoring",
        )
    )
    assert len(kinds) == 34 and set(kinds.values()) == KINDS
    assert {row["kind"] for row in progress(duckdb_built).values()} == KINDS


def test_measured_rates_are_the_hand_computed_ones(duckdb_built: Built) -> None:
    card = progress(duckdb_built)
    checked = 0
    for (code, county, period), (rate, sample_size) in EXPECTED_RATES.items():
        if period != "2025":
            continue
        row = card[(code, county)]
        assert float(row["actual_value"]) == pytest.approx(rate, abs=0.0001), (code, county)
        assert row["sample_size"] == sample_size
        checked += 1
    assert checked == 15


def test_a_measured_rate_says_what_it_covers_and_is_judged_on_its_trajectory(
    duckdb_built: Built,
) -> None:
    food = progress(duckdb_built)[("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", CITY)]
    # 4 of 6 samples passed by September; 2024's 1 of 2 is the baseline.
    assert food["actual_period"] == "2025-01/2025-09"
    assert food["as_of"].isoformat() == "2025-09-30"
    assert (food["baseline_value"], food["baseline_period"]) == (Decimal("50.0000"), "2024")
    assert food["gap"] == Decimal("-31.33")
    # (66.67 - 50) in 273 days against (98 - 50) in 365 days: 0.4642, below 0.95.
    assert food["progress_ratio"] == Decimal("0.4642")
    assert food["status"] == "off_track"


def test_returns_are_the_values_returned(duckdb_built: Built) -> None:
    card = progress(duckdb_built)
    local = card[("STD_LOCAL", CITY)]  # 58 corrected to 65: a level reached
    assert (local["actual_value"], local["actual_period"], local["status"]) == (
        Decimal("65.0000"),
        "2025",
        "achieved",
    )
    assert local["gap"] == Decimal("3")
    # A Q3 count of 20 against 30 is not "achieved", and the year's row is not "no data".
    giants = card[("ECON_NATIONAL_LITTLE_GIANTS", CITY)]
    assert (giants["actual_value"], giants["actual_period"]) == (Decimal("20.0000"), "2025Q3")
    assert giants["gap"] == Decimal("-10") and giants["status"] == "off_track"
    assert card[("BRAND_GI_TRADEMARKS", CITY)]["actual_value"] == Decimal("12.0000")


def test_a_county_is_not_held_to_a_city_total(duckdb_built: Built) -> None:
    group = progress(duckdb_built)[("STD_GROUP", "360902")]
    assert group["area"] == "city"
    assert group["actual_value"] == Decimal("8.0000")  # shown, as its contribution
    assert (group["target_value"], group["gap"], group["status"]) == (None, None, "not_applicable")


def test_a_county_is_held_to_a_rate_target(duckdb_built: Built) -> None:
    county = progress(duckdb_built)[("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "360981")]
    assert county["target_value"] == Decimal("98.0000")
    assert county["status"] == "on_track"  # 100 % so far, the year not over
    empty = progress(duckdb_built)[("QUAL_MFG_PRODUCT_PASS_RATE", "360902")]
    assert (empty["actual_value"], empty["status"]) == (None, "no_data")


def test_qualitative_targets(duckdb_built: Built) -> None:
    card = progress(duckdb_built)
    assert card[("INFRA_LITHIUM_METROLOGY_CENTER", CITY)]["status"] == "achieved"
    assert card[("INFRA_SELENIUM_FOOD_CENTER", CITY)]["status"] == "qualitative"
    assert card[("INFRA_SELENIUM_FOOD_CENTER", "360902")]["status"] == "not_applicable"


def test_statuses_are_the_six(duckdb_built: Built) -> None:
    assert {row["status"] for row in progress(duckdb_built).values()} <= STATUSES


def test_no_gap_has_more_decimals_than_its_indicator(duckdb_built: Built) -> None:
    for key, row in progress(duckdb_built).items():
        if row["gap"] is not None:
            assert row["gap"] == round(row["gap"], row["decimals"]), key


def test_numbers_have_a_fixed_scale(duckdb_built: Built) -> None:
    types = dict(
        query(
            duckdb_built.warehouse,
            "select column_name, data_type from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'mart_indicator_progress'",
        )
    )
    for column in ("actual_value", "baseline_value", "target_value", "gap", "progress_ratio"):
        assert types[column] == "DECIMAL(18,4)", column


def test_the_2035_goals(duckdb_built: Built) -> None:
    goals = query(duckdb_built.warehouse, "select goal_zh, kind from marts.dim_goal_2035")
    assert {kind for _, kind in goals} == {"qualitative"}
    assert "全市质量和品牌综合实力达到全省先进水平" in {goal for goal, _ in goals}


def test_every_marts_table_and_column_carries_its_description(duckdb_built: Built) -> None:
    rows = query(
        duckdb_built.warehouse,
        "select t.table_name, coalesce(t.comment, '') <> '', count(*), "
        "count(nullif(c.comment, '')) from duckdb_tables() t "
        "join duckdb_columns() c using (database_name, schema_name, table_name) "
        "where t.schema_name = 'marts' group by all",
    )
    assert rows
    for table, has_comment, columns, commented in rows:
        assert has_comment, table
        assert commented >= 0.9 * columns, (table, commented, columns)
