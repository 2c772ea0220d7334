"""The housing 监测指标 on a hand-checked example (tests/dbt/housing.py), as of 2025-06-30.

Site inspections, after the correction of JC-01's third finding:

| inspection | month, county, contractor | findings (severity: deadline, rectified) |
|---|---|---|
| JC-01 | 2025-05 袁州 甲 | 1 general: 05-13, 05-12 on time · 2 major: 05-20, 05-25 late · 3 critical: 06-10, 06-08 on time |
| JC-02 | 2025-05 袁州 乙 | 1 general: 07-15 not due · 2 general: 06-01, 06-05 but 整改中: open, 29 days past |
| JC-03 | 2025-06 袁州 甲 | nothing found |
| JC-04 | 2025-06 丰城 甲 | 1 major: 06-19, 06-19 on time · 2 general: no deadline · 3 general: 06-30 not past |
| JC-05 | 2025-06 丰城 — | 1 critical: 06-25, 07-02 after the as-of day: open, 5 days past |

Building-material samples, after B05's re-test passed: 袁州 cement B01 pass, B02 fail (05);
steel B03 pass (06). 丰城 steel B07 pass (04); cable B04 fail, B05 pass, B08 fail (06);
insulation B06 fail (06, no producer).
"""

from __future__ import annotations

import pytest

from tests.dbt.conftest import Built, query
from tests.dbt.dataset import rate
from tests.dbt.housing import (
    CONTRACTOR_A,
    CONTRACTOR_B,
    FENGCHENG,
    YUANZHOU,
    build_housing_warehouse,
)
from tests.shared import built_once

CITY = "360900"
NO_CONTRACTOR = "未填写施工单位"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = built_once(tmp_path_factory, "dbt-housing", build_housing_warehouse)
    return Built(base / "qcity.duckdb", base / "target")


def measures(built: Built, grain: str) -> dict[tuple[str, str, str], tuple]:
    rows = query(
        built.warehouse,
        "select indicator_code, county_code, period, numerator, denominator, value "
        "from marts.mart_monitoring_measures where period_grain = ?",
        [grain],
    )
    return {r[:3]: r[3:] for r in rows}


def test_findings_per_inspection(built: Built) -> None:
    year = measures(built, "year")
    # 9 findings in 5 inspections (JC-03 found nothing but is an inspection)
    assert year[("MON_SITE_FINDINGS_PER_INSPECTION", CITY, "2025")] == (9, 5, 9 / 5)
    assert year[("MON_SITE_FINDINGS_PER_INSPECTION", YUANZHOU, "2025")] == (5, 3, 5 / 3)
    assert year[("MON_SITE_FINDINGS_PER_INSPECTION", FENGCHENG, "2025")] == (4, 2, 4 / 2)


def test_share_of_major_and_critical_findings(built: Built) -> None:
    year = measures(built, "year")
    # JC-01/2 major, JC-01/3 critical, JC-04/1 major, JC-05/1 critical
    assert year[("MON_SITE_MAJOR_FINDING_SHARE", CITY, "2025")] == (4, 9, rate(4, 9))


def test_findings_put_right_by_their_deadline(built: Built) -> None:
    year = measures(built, "year")
    # deadline passed: JC-01/1, /2, /3, JC-02/2, JC-04/1, JC-05/1 (not JC-02/1 due 07-15,
    # JC-04/2 without a deadline, JC-04/3 due on the as-of day); on time: JC-01/1, JC-01/3
    # (corrected), JC-04/1 (on the deadline day)
    assert year[("MON_SITE_RECTIFIED_ON_TIME_RATE", CITY, "2025")] == (3, 6, rate(3, 6))
    assert year[("MON_SITE_RECTIFIED_ON_TIME_RATE", YUANZHOU, "2025")] == (2, 4, rate(2, 4))
    assert year[("MON_SITE_RECTIFIED_ON_TIME_RATE", FENGCHENG, "2025")] == (1, 2, rate(1, 2))


def test_open_findings_past_their_deadline(built: Built) -> None:
    year = measures(built, "year")
    # JC-02/2 (复查日期 but 整改中) and JC-05/1 (put right only after the as-of day)
    assert year[("MON_SITE_OVERDUE_OPEN_FINDINGS", CITY, "2025")] == (2, None, 2.0)
    month = measures(built, "month")
    assert month[("MON_SITE_OVERDUE_OPEN_FINDINGS", YUANZHOU, "2025-05")] == (1, None, 1.0)
    assert month[("MON_SITE_OVERDUE_OPEN_FINDINGS", FENGCHENG, "2025-06")] == (1, None, 1.0)
    listed = query(
        built.warehouse,
        "select county_code, project_code, open_past_deadline_count, major_or_critical_count, "
        "max_days_past_deadline, earliest_deadline_date from marts.mart_site_overdue_findings "
        "order by county_code",
    )
    assert [r[:5] for r in listed] == [(YUANZHOU, "PB", 1, 0, 29), (FENGCHENG, "PD", 1, 1, 5)]


def test_site_measures_by_county_contractor_and_month(built: Built) -> None:
    rows = query(
        built.warehouse,
        "select year_month, county_code, contractor, inspection_count, finding_count, "
        "major_or_critical_count, deadline_passed_count, rectified_on_time_count, "
        "open_past_deadline_count, findings_per_inspection, major_or_critical_share, "
        "rectified_on_time_rate from marts.mart_site_findings_monthly",
    )
    assert {r[:3]: r[3:] for r in rows} == {
        ("2025-05", YUANZHOU, CONTRACTOR_A): (1, 3, 2, 3, 2, 0, 3.0, rate(2, 3), rate(2, 3)),
        ("2025-05", YUANZHOU, CONTRACTOR_B): (1, 2, 0, 1, 0, 1, 2.0, 0.0, 0.0),
        ("2025-06", YUANZHOU, CONTRACTOR_A): (1, 0, 0, 0, 0, 0, 0.0, None, None),
        ("2025-06", FENGCHENG, CONTRACTOR_A): (1, 3, 1, 1, 1, 0, 3.0, rate(1, 3), 100.0),
        ("2025-06", FENGCHENG, NO_CONTRACTOR): (1, 1, 1, 1, 0, 1, 1.0, 100.0, 0.0),
    }


def test_building_material_pass_rate_by_type_county_and_month(built: Built) -> None:
    rows = query(
        built.warehouse,
        "select year_month, county_code, material_type, tested_count, passed_count, pass_rate "
        "from marts.mart_building_material_pass_rates",
    )
    assert {r[:3]: r[3:] for r in rows} == {
        ("2025-04", FENGCHENG, "steel"): (1, 1, 100.0),
        ("2025-05", YUANZHOU, "cement"): (2, 1, 50.0),
        ("2025-06", YUANZHOU, "steel"): (1, 1, 100.0),
        # B05's re-test passed: 1 of 3
        ("2025-06", FENGCHENG, "wire_cable"): (3, 1, rate(1, 3)),
        ("2025-06", FENGCHENG, "insulation"): (1, 0, 0.0),
    }
    year = measures(built, "year")
    assert year[("MON_BUILDING_MATERIAL_PASS_RATE", CITY, "2025")] == (4, 8, 50.0)
    assert year[("MON_BUILDING_MATERIAL_PASS_RATE", FENGCHENG, "2025")] == (2, 5, 40.0)


def test_the_producers_failing_most(built: Built) -> None:
    rows = query(
        built.warehouse,
        "select producer_name, sample_count, failed_count, failing_rank "
        "from marts.mart_building_material_failing_producers where sampling_year = '2025' "
        "order by failing_rank nulls last",
    )
    # the cable maker failed twice, the cement maker once, the steel maker never; B06 had no
    # producer named
    assert rows == [
        ("某电缆厂", 3, 2, 1),
        ("江西某水泥有限公司", 2, 1, 2),
        ("某钢铁有限公司", 2, 0, None),
    ]


def test_a_superseded_sample_keeps_no_failed_items(built: Built) -> None:
    counts = dict(
        query(
            built.warehouse,
            "select sample_id, failed_item_count from marts.fct_building_material_samples",
        )
    )
    assert counts["JC-B04"] == 2 and counts["JC-B05"] == 0


def test_monitoring_indicators_have_no_target_and_are_never_scored(built: Built) -> None:
    rows = query(
        built.warehouse,
        "select indicator_code, target_value, comparator, target_year, is_monitoring "
        "from marts.dim_indicator where kind = 'monitoring'",
    )
    assert {r[0] for r in rows} == {
        "MON_SITE_FINDINGS_PER_INSPECTION",
        "MON_SITE_MAJOR_FINDING_SHARE",
        "MON_SITE_RECTIFIED_ON_TIME_RATE",
        "MON_SITE_OVERDUE_OPEN_FINDINGS",
        "MON_BUILDING_MATERIAL_PASS_RATE",
    }
    assert all(r[1:] == (None, None, None, True) for r in rows)
    owners = query(
        built.warehouse,
        "select distinct department_code from marts.bridge_indicator_department "
        "where indicator_code like 'MON_%'",
    )
    assert owners == [("YC_HOUSING_CONSTRUCTION",)]
    for mart in ("mart_indicator_scorecard", "mart_indicator_progress"):
        scored = query(
            built.warehouse,
            f"select count(*) from marts.{mart} m join marts.dim_indicator i "
            "using (indicator_code) where i.is_monitoring",
        )
        assert scored == [(0,)], mart
