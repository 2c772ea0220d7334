"""Pass rates, failure-reason rankings and per-department data quality on DuckDB."""

from __future__ import annotations

import pytest

from tests.dbt.conftest import Built, query

pytestmark = pytest.mark.slow


def test_pass_rates_by_source_county_month_and_category(duckdb_built: Built) -> None:
    rows = query(
        duckdb_built.warehouse,
        "select year_month, sub_type, category, tested_count, passed_count, pass_rate "
        "from marts.mart_pass_rates where source = 'market_sampling' and county_code = '360902' "
        "order by year_month, sub_type",
    )
    assert rows == [
        ("2025-03", "food", "粮食加工品", 2, 1, 50.0),
        ("2025-08", "drug", "化学药品", 1, 0, 0.0),
    ]
    agri = query(
        duckdb_built.warehouse,
        "select sub_type, sum(tested_count), sum(passed_count) from marts.mart_pass_rates "
        "where source = 'agri_testing' group by 1 order by 1",
    )
    assert agri == [("quantitative", 6, 4), ("rapid", 1, 0)]
    attempts = query(
        duckdb_built.warehouse,
        "select sum(tested_count), sum(passed_count) from marts.mart_pass_rates "
        "where source = 'construction_acceptance'",
    )
    # C01, C02 x2, C03, C04 (corrected to pass), C05, C06 (round 2 only), C07: 8 attempts.
    assert attempts == [(8, 5)]


def test_failure_reasons_rank_items_by_failures(duckdb_built: Built) -> None:
    rows = query(
        duckdb_built.warehouse,
        "select failed_item, product_name, county_code, failure_count, item_rank "
        "from marts.mart_failure_reasons where source = 'agri_testing' and period = '2025' "
        "and sub_type = 'quantitative' order by item_rank, failed_item",
    )
    # 氧乐果 failed in A03 (360924) and A07 (360925); 克百威 in A02 was re-tested as a pass.
    assert rows == [
        ("氧乐果", "芹菜", "360924", 1, 1),
        ("氧乐果", "芹菜", "360925", 1, 1),
    ]
    market = query(
        duckdb_built.warehouse,
        "select failed_item from marts.mart_failure_reasons where source = 'market_sampling' "
        "order by 1",
    )
    assert [r[0] for r in market] == ["二氧化硫残留量", "含量测定", "耐磨性", "铅(以Pb计)"]


def test_data_quality_per_department(duckdb_built: Built) -> None:
    rows = query(
        duckdb_built.warehouse,
        "select source, department_name_zh, files_received, files_loaded, files_duplicate, "
        "files_rejected, rows_quarantined, top_rules_broken, days_since_last_delivery, "
        "is_overdue from marts.mart_data_quality order by source",
    )
    assert rows == [
        ("agri_testing", "市农业农村局", 2, 2, 0, 0, 1, "date_unparseable (1)", 2, False),
        # no file yet: never delivered, so overdue
        ("building_material_sampling", "市住建局", 0, 0, 0, 0, 0, None, None, True),
        ("construction_acceptance", "市住建局", 2, 2, 0, 0, 0, None, 10, False),
        ("construction_inspections", "市住建局", 0, 0, 0, 0, 0, None, None, True),
        ("indicator_reports", "市市场监管局", 2, 2, 0, 0, 0, None, 1, False),
        (
            "market_sampling",
            "市市场监管局",
            4,
            2,
            1,
            1,
            2,
            "county_unknown (1), date_unparseable (1)",
            0,
            False,
        ),
    ]


def test_responsible_departments_bridge(duckdb_built: Built) -> None:
    rows = query(
        duckdb_built.warehouse,
        "select d.name_zh from marts.bridge_indicator_department b "
        "join marts.dim_department d using (department_code) "
        "where b.indicator_code = 'QUAL_PROJECT_FIRST_ACCEPTANCE_RATE' order by 1",
    )
    assert sorted(r[0] for r in rows) == sorted(
        ["市住建局", "市水利局", "市交通运输局", "市公路事业发展中心"]
    )
