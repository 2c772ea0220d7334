"""The dashboard's section 住建领域质量监测: the housing 监测指标 and what lies behind them.

Read from the housing marts (mart_monitoring_measures, mart_site_findings_monthly,
mart_site_overdue_findings, mart_building_material_pass_rates,
mart_building_material_failing_producers) for the latest year with data. The measures have
no target, so nothing here is scored: the section shows values, counts and lists. As in
reports.queries, every number is a mart's, or a rate recomputed from summed counts.
"""

from __future__ import annotations

import duckdb

from ingestion.contracts import get_contract
from reports.queries import _rows

#: How many projects, contractors and producers the lists show.
TOP = 10
MATERIAL_SOURCE = "building_material_sampling"


def material_labels() -> dict[str, str]:
    """Material type code -> its Chinese name, the first word the contract's vocabulary gives."""
    vocabulary = get_contract(MATERIAL_SOURCE).column("material_type").vocabulary or {}
    return {code: words[0] for code, words in vocabulary.items()}


def latest_year(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest year with a monitoring measure; None when the marts are not built yet."""
    try:
        row = con.execute(
            "select max(period) from marts.mart_monitoring_measures where period_grain = 'year'"
        ).fetchone()
    except duckdb.CatalogException:
        return None  # a warehouse or serving copy built before the housing marts
    return row[0] if row else None


def collect(con: duckdb.DuckDBPyConnection, city: str) -> dict | None:
    """What the section shows, or None when there is nothing to show yet."""
    year = latest_year(con)
    if year is None:
        return None
    measures = _rows(
        con,
        """
        select m.indicator_code, m.county_code, m.name_zh, i.name_en, m.unit, m.numerator,
               m.denominator, m.value, m.as_of_date, i.plan_clause
        from marts.mart_monitoring_measures as m
        inner join marts.dim_indicator as i on m.indicator_code = i.indicator_code
        where m.period_grain = 'year' and m.period = ?
        order by m.indicator_code, m.county_code
        """,
        [year],
    )
    names = {
        r["county_code"]: r["name_zh"]
        for r in _rows(con, "select county_code, name_zh from marts.dim_county")
    }
    headline = [m for m in measures if m["county_code"] == city]
    by_county: dict[str, dict[str, dict]] = {}
    for m in measures:
        if m["county_code"] != city:
            by_county.setdefault(m["county_code"], {})[m["indicator_code"]] = m
    return {
        "year": year,
        "as_of": max((m["as_of_date"] for m in measures), default=None),
        "headline": headline,
        "counties": [
            {"code": code, "name": names.get(code, code), "measures": values}
            for code, values in sorted(by_county.items())
        ],
        "overdue": _rows(
            con,
            f"""
            select c.name_zh as county, o.project_name, o.open_past_deadline_count,
                   o.major_or_critical_count, o.max_days_past_deadline, o.earliest_deadline_date
            from marts.mart_site_overdue_findings as o
            inner join marts.dim_county as c on o.county_code = c.county_code
            order by o.open_past_deadline_count desc, o.max_days_past_deadline desc,
                     o.county_code, o.project_name
            limit {TOP}
            """,
        ),
        "contractors": _rows(
            con,
            f"""
            select contractor, cast(sum(inspection_count) as bigint) as inspections,
                   cast(sum(finding_count) as bigint) as findings,
                   cast(sum(major_or_critical_count) as bigint) as major_or_critical,
                   cast(sum(deadline_passed_count) as bigint) as deadline_passed,
                   cast(sum(rectified_on_time_count) as bigint) as rectified_on_time,
                   cast(sum(open_past_deadline_count) as bigint) as open_past_deadline,
                   case when sum(deadline_passed_count) > 0
                        then 100.0 * sum(rectified_on_time_count) / sum(deadline_passed_count)
                   end as rectified_on_time_rate
            from marts.mart_site_findings_monthly
            where strftime(month_start_date, '%Y') = ?
            group by contractor
            order by open_past_deadline desc, findings desc, contractor
            limit {TOP}
            """,
            [year],
        ),
        "material_labels": material_labels(),
        "materials": _rows(
            con,
            """
            select material_type, cast(sum(tested_count) as bigint) as tested,
                   cast(sum(passed_count) as bigint) as passed,
                   100.0 * sum(passed_count) / sum(tested_count) as pass_rate
            from marts.mart_building_material_pass_rates
            where strftime(month_start_date, '%Y') = ?
            group by material_type
            order by pass_rate, tested desc, material_type
            """,
            [year],
        ),
        "producers": _rows(
            con,
            f"""
            select producer_name, sample_count, failed_count, failed_share, failing_rank,
                   material_type, latest_failed_date
            from marts.mart_building_material_failing_producers
            where sampling_year = ? and failing_rank is not null
            order by failing_rank, failed_share desc, producer_name
            limit {TOP}
            """,
            [year],
        ),
    }
