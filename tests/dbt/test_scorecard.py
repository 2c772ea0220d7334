"""`qcity build` on DuckDB: the scorecard's measured rates match the hand-computed ones."""

from __future__ import annotations

import pytest

from tests.dbt.conftest import Built, query
from tests.dbt.dataset import CITY, EXPECTED_RATES, MEASURED_YEARS

pytestmark = pytest.mark.slow

SCORECARD = "marts.mart_indicator_scorecard"
COUNTY_CODES = 15  # the contract's 14 plus the whole city


def scorecard(built: Built) -> dict[tuple[str, str, str], dict]:
    rows = query(
        built.warehouse,
        f"select indicator_code, county_code, period, actual_value, target_value, unit, gap, "
        f"status, source, sample_size, as_of from {SCORECARD}",
    )
    names = ("actual_value", "target_value", "unit", "gap", "status", "source", "sample_size")
    return {r[:3]: dict(zip((*names, "as_of"), r[3:], strict=True)) for r in rows}


def test_measured_rates_match_the_hand_computed_values(duckdb_built: Built) -> None:
    card = scorecard(duckdb_built)
    for key, (actual, sample_size) in EXPECTED_RATES.items():
        assert card[key]["actual_value"] == actual, key
        assert card[key]["sample_size"] == sample_size, key


def test_every_indicator_has_a_whole_city_row_for_2025(duckdb_built: Built) -> None:
    indicators = {
        r[0]
        for r in query(
            duckdb_built.warehouse,
            "select indicator_code from marts.dim_indicator where not is_monitoring",
        )
    }
    card = scorecard(duckdb_built)
    assert len(indicators) == 34
    assert {code for code in indicators if (code, CITY, "2025") in card} == indicators


def test_measured_rates_have_every_county_in_every_year_with_data(duckdb_built: Built) -> None:
    card = scorecard(duckdb_built)
    for code, years in MEASURED_YEARS.items():
        for year in years:
            counties = {k[1] for k in card if k[0] == code and k[2] == year}
            assert len(counties) == COUNTY_CODES, (code, year)
        assert {k[2] for k in card if k[0] == code} == years


def test_a_county_without_samples_is_no_data(duckdb_built: Built) -> None:
    row = scorecard(duckdb_built)[("QUAL_MFG_PRODUCT_PASS_RATE", "360902", "2025")]
    assert row["status"] == "no_data"
    assert row["actual_value"] is None and row["gap"] is None and row["sample_size"] is None


def test_status_and_gap_against_the_plans_target(duckdb_built: Built) -> None:
    card = scorecard(duckdb_built)
    food = card[("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", CITY, "2025")]
    assert food["target_value"] == 98.0 and food["unit"] == "%"
    # rounded to the indicator's two decimals (-31.33), no float noise
    assert food["gap"] == pytest.approx(round(food["actual_value"] - 98.0, 2))
    assert food["status"] == "not_achieved" and food["gap"] < 0
    assert food["source"] == "market_sampling"
    assert food["as_of"].isoformat() == "2025-09-01"
    county = card[("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "360981", "2025")]
    assert county["status"] == "achieved" and county["gap"] == 2.0
    project = card[("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "360982", "2025")]
    assert project["status"] == "achieved" and project["gap"] == 0.0


def test_returns_give_the_latest_value_per_key(duckdb_built: Built) -> None:
    card = scorecard(duckdb_built)
    local = card[("STD_LOCAL", CITY, "2025")]  # 58 corrected to 65 by a later return
    assert (local["actual_value"], local["gap"], local["status"]) == (65.0, 3.0, "achieved")
    assert local["source"] == "indicator_reports" and local["sample_size"] is None
    giants = card[("ECON_NATIONAL_LITTLE_GIANTS", CITY, "2025Q3")]
    assert (giants["actual_value"], giants["gap"], giants["status"]) == (
        20.0,
        -10.0,
        "not_achieved",
    )
    assert card[("STD_GROUP", "360902", "2025")]["actual_value"] == 8.0


def test_a_return_never_overrides_a_measured_rate(duckdb_built: Built) -> None:
    food = scorecard(duckdb_built)[("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", CITY, "2025")]
    assert food["actual_value"] != 99.0


def test_qualitative_targets(duckdb_built: Built) -> None:
    card = scorecard(duckdb_built)
    built = card[("INFRA_LITHIUM_METROLOGY_CENTER", CITY, "2025")]  # reported 1 = built
    assert (built["target_value"], built["status"]) == (None, "achieved")
    unreported = card[("INFRA_SELENIUM_FOOD_CENTER", CITY, "2025")]
    assert (unreported["actual_value"], unreported["status"]) == (None, "qualitative")


def test_unreported_indicators_are_no_data(duckdb_built: Built) -> None:
    row = scorecard(duckdb_built)[("STD_INTL_NATIONAL_INDUSTRY", CITY, "2025")]
    assert (row["actual_value"], row["target_value"], row["status"]) == (None, 15.0, "no_data")


def test_scorecard_row_count(duckdb_built: Built) -> None:
    # 34 whole-city 2025 rows; 7 measured indicator-years x 15 counties, 4 of them already
    # counted; 2 returns at keys of their own (a quarter, a county).
    measured = sum(len(y) for y in MEASURED_YEARS.values()) * COUNTY_CODES
    assert len(scorecard(duckdb_built)) == 34 + measured - 4 + 2


def test_first_batch_had_the_uncorrected_values(first_batch_warehouse: Built) -> None:
    card = scorecard(first_batch_warehouse)
    # Before the corrections M04 failed and M10 passed: 360981 1/2, 360902 2/3.
    assert card[("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "360981", "2025")]["actual_value"] == 50.0
    assert card[("STD_LOCAL", CITY, "2025")]["actual_value"] == 58.0


def test_no_gap_has_more_decimals_than_its_indicator(duckdb_built: Built) -> None:
    rows = query(
        duckdb_built.warehouse,
        "select s.indicator_code, s.gap, i.decimals from marts.mart_indicator_scorecard s "
        "join marts.dim_indicator i using (indicator_code) where s.gap is not null",
    )
    assert rows
    for code, gap, decimals in rows:
        assert gap == round(gap, decimals), (code, gap)
