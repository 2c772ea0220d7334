"""What the scorecard dashboard reads from the marts, as plain rows (lists of dicts).

Every number shown comes from a mart unchanged; the report only chooses rows and sums
counts. The headline of each indicator (which value stands for the target year, and how
it stands against the target) is mart_indicator_progress's, not the report's.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

#: Indicator families in the order of the contract's indicator list (codes start with them).
INDICATOR_ORDER: tuple[str, ...] = (
    "ECON",
    "QUAL",
    "STD",
    "BRAND",
    "INFRA",
    "GREEN",
    "AGRI",
    "SVC_PROVINCIAL",
    "TOUR",
    "SVC",
    "ENT",
)


#: The pass-rate charts: one per measured indicator, from mart_pass_rates.
@dataclass(frozen=True)
class TrendSpec:
    key: str
    indicator_code: str
    source: str
    sub_types: tuple[str, ...]
    title_zh: str
    title_en: str


TRENDS: tuple[TrendSpec, ...] = (
    TrendSpec(
        "food_drug",
        "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE",
        "market_sampling",
        ("food", "drug"),
        "食品药品监督抽检合格率",
        "Food and drug supervision sampling pass rate",
    ),
    TrendSpec(
        "industrial",
        "QUAL_MFG_PRODUCT_PASS_RATE",
        "market_sampling",
        ("industrial",),
        "工业产品监督抽查合格率",
        "Manufactured product sampling pass rate",
    ),
    TrendSpec(
        "agri",
        "QUAL_AGRI_MONITORING_PASS_RATE",
        "agri_testing",
        ("quantitative",),
        "食用农产品定量监测合格率",
        "Edible agricultural products, quantitative monitoring pass rate",
    ),
    TrendSpec(
        "construction",
        "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE",
        "construction_acceptance",
        ("large", "medium"),
        "大中型工程竣工验收通过率（按验收次）",
        "Large and medium projects, completion acceptance pass rate (per attempt)",
    ),
)

FAILURE_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("market_sampling", "市场监管抽检", "Market-regulation sampling"),
    ("agri_testing", "农产品检测", "Agricultural product testing"),
)


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(query, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _order_case(column: str = "indicator_code") -> str:
    """SQL giving each indicator its family's rank, for the contract's order."""
    whens = " ".join(
        f"when starts_with({column}, '{prefix}') then {rank}"
        for rank, prefix in enumerate(INDICATOR_ORDER)
    )
    return f"case {whens} else {len(INDICATOR_ORDER)} end"


def city_code(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("select county_code from marts.dim_county where is_whole_city").fetchone()
    return row[0] if row else "360900"


def counties(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The whole city first, then counties, functional zones and the city level by code."""
    return _rows(
        con,
        "select county_code, name_zh, name_en, division_kind, is_whole_city "
        "from marts.dim_county order by is_whole_city desc, county_code",
    )


_PROGRESS_COLUMNS = """
            p.indicator_code, ind.name_zh, ind.name_en, ind.target_text, ind.target_year,
            ind.responsible_departments, ind.data_source, ind.is_measured, p.kind, p.area,
            p.unit, p.comparator, p.decimals, p.actual_period as period, p.actual_value,
            p.target_value, p.gap, p.status, p.progress_ratio, p.baseline_value,
            p.baseline_period, p.sample_size, p.as_of"""


def headline(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """One row per indicator of the plan: the whole city's row of mart_indicator_progress.

    Which value is the headline (the year's rate so far, a level's latest return, the sum
    of an increment's quarters) and how it stands against the target are the mart's;
    the report only orders the rows.
    """
    return _rows(
        con,
        f"""
        select {_PROGRESS_COLUMNS}
        from marts.mart_indicator_progress as p
        inner join marts.dim_indicator as ind
            on p.indicator_code = ind.indicator_code and p.target_year = ind.target_year
        where p.county_code = (select county_code from marts.dim_county where is_whole_city)
        order by {_order_case("p.indicator_code")}, p.indicator_code
        """,
    )


def progress_by_county(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Each county's rows of mart_indicator_progress: one per indicator, in the plan's order."""
    rows = _rows(
        con,
        f"""
        select p.county_code, {_PROGRESS_COLUMNS}
        from marts.mart_indicator_progress as p
        inner join marts.dim_indicator as ind
            on p.indicator_code = ind.indicator_code and p.target_year = ind.target_year
        order by p.county_code, {_order_case("p.indicator_code")}, p.indicator_code
        """,
    )
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["county_code"], []).append(row)
    return grouped


def city_series(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, float]]]:
    """indicator code -> the whole city's (period, value) series of the target year and the
    year before: the year-to-date rate of each month for measured rates, each return for
    the others (for the indicator table's trend lines)."""
    rows = con.execute(
        """
        select s.indicator_code, s.period,
               cast(coalesce(s.ytd_value, s.period_value) as double) as value
        from marts.mart_indicator_series as s
        inner join marts.dim_indicator as ind on s.indicator_code = ind.indicator_code
        where s.county_code = (select county_code from marts.dim_county where is_whole_city)
          and s.period_year between ind.target_year - 1 and ind.target_year
          and coalesce(s.ytd_value, s.period_value) is not null
        order by s.indicator_code, s.period_end_date, s.period_start_date desc
        """
    ).fetchall()
    series: dict[str, list[tuple[str, float]]] = {}
    for code, period, value in rows:
        series.setdefault(code, []).append((period, value))
    return series


def goals_2035(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The plan's long-term goals for 2035 (qualitative, in the plan's words)."""
    return _rows(
        con,
        "select goal_code, goal_number, goal_zh, goal_en, target_year, kind, plan_sentence "
        "from marts.dim_goal_2035 order by goal_number",
    )


def monthly_pass_rates(con: duckdb.DuckDBPyConnection, spec: TrendSpec) -> list[dict]:
    """Tested and passed per county and month for one chart, plus the whole city's sums."""
    marks = ", ".join("?" for _ in spec.sub_types)
    return _rows(
        con,
        f"""
        with picked as (
            select county_code, year_month, tested_count, passed_count
            from marts.mart_pass_rates
            where source = ? and sub_type in ({marks})
        ),
        by_county as (
            select county_code, year_month,
                   sum(tested_count) as tested, sum(passed_count) as passed
            from picked group by all
        ),
        whole_city as (
            select (select county_code from marts.dim_county where is_whole_city) as county_code,
                   year_month, sum(tested_count) as tested, sum(passed_count) as passed
            from picked group by all
        )
        select county_code, year_month, cast(tested as bigint) as tested,
               cast(passed as bigint) as passed,
               100.0 * passed / tested as pass_rate
        from (select * from by_county union all select * from whole_city)
        where tested > 0
        order by county_code, year_month
        """,
        [spec.source, *spec.sub_types],
    )


def target_of(con: duckdb.DuckDBPyConnection, indicator_code: str) -> float | None:
    row = con.execute(
        "select target_value from marts.dim_indicator where indicator_code = ?", [indicator_code]
    ).fetchone()
    return row[0] if row else None


def latest_failure_period(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("select max(period) from marts.mart_failure_reasons").fetchone()
    return row[0] if row else None


def top_failed_items(
    con: duckdb.DuckDBPyConnection,
    source: str,
    period: str,
    county: str | None = None,
    limit: int = 10,
) -> list[dict]:
    """The test items that failed most in a year (rapid agricultural tests left out)."""
    where = "source = ? and period = ? and sub_type <> 'rapid'"
    params: list = [source, period]
    if county:
        where += " and county_code = ?"
        params.append(county)
    return _rows(
        con,
        f"""
        select failed_item, cast(sum(failure_count) as bigint) as failures,
               count(distinct product_name) as products,
               count(distinct county_code) as counties
        from marts.mart_failure_reasons
        where {where}
        group by failed_item
        order by failures desc, failed_item
        limit {int(limit)}
        """,
        params,
    )


def top_failed_products(con: duckdb.DuckDBPyConnection, period: str, limit: int = 10) -> list[dict]:
    """The products with most failed items in a year, with their most frequent items."""
    return _rows(
        con,
        f"""
        with per_item as (
            select source, product_name, failed_item, sum(failure_count) as n
            from marts.mart_failure_reasons
            where period = ? and sub_type <> 'rapid'
            group by all
        ),
        per_product as (
            select source, product_name, cast(sum(n) as bigint) as failures,
                   string_agg(failed_item, '、' order by n desc, failed_item) as failed_items
            from per_item group by all
        ),
        counties as (
            select source, product_name, count(distinct county_code) as counties
            from marts.mart_failure_reasons
            where period = ? and sub_type <> 'rapid'
            group by all
        )
        select p.source, p.product_name, p.failures, p.failed_items, c.counties
        from per_product p join counties c using (source, product_name)
        order by p.failures desc, p.product_name
        limit {int(limit)}
        """,
        [period, period],
    )


def data_quality(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return _rows(
        con,
        """
        select source, department_code, department_name_zh, department_name_en,
               source_title_zh, files_received, files_loaded, files_duplicate, files_rejected,
               rows_read, rows_loaded, rows_quarantined, quarantine_rate, top_rules_broken_zh,
               last_received_at, cadence_days, as_of_date, days_since_last_delivery, is_overdue
        from marts.mart_data_quality
        order by source
        """,
    )
