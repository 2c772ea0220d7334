-- One row per indicator x county x period of a series, every period dated by its first and
-- last day: each month with samples of the four measured rates (the month's rate and the
-- year-to-date rate, with their counts), plus the whole city (360900); and every return of
-- the other indicators at the grain it was reported (2025, 2025Q3, 2025-09).
-- mart_indicator_progress reads it for baselines and projections, the dashboard for trend lines.
-- A table: the measured months come from int_measured_indicator_months (the same formulas
-- and counts as mart_indicator_measurements, which int_monthly_outcomes keeps up to date
-- incrementally), the returns are a few rows.

with

indicators as (

    select * from {{ ref('dim_indicator') }}

),

indicator_months as (

    select * from {{ ref('int_measured_indicator_months') }}

),

reports as (

    select * from {{ ref('fct_indicator_reports') }}

),

-- Each year's months must add up to mart_indicator_measurements' counts
-- (tests/singular/assert_series_months_add_up_to_the_measured_years.sql).
indicator_months_by_period as (

    select
        indicator_code,
        county_code,
        {{ format_year_month('month_start_date') }} as period,
        cast(extract(year from month_start_date) as integer) as period_year,
        cast(extract(month from month_start_date) as integer) as period_month,
        passed_count,
        observed_count
    from indicator_months

),

monthly_counts as (

    select
        indicator_code,
        county_code,
        period,
        period_year,
        period_month,
        passed_count,
        observed_count
    from indicator_months_by_period

    union all

    select
        indicator_code,
        '{{ var("city_code") }}' as county_code,
        period,
        period_year,
        period_month,
        cast(sum(passed_count) as bigint) as passed_count,
        cast(sum(observed_count) as bigint) as observed_count
    from indicator_months_by_period
    group by indicator_code, period, period_year, period_month

),

monthly_year_to_date as (

    select
        *,
        sum(passed_count) over (
            partition by indicator_code, county_code, period_year
            order by period_month
            rows between unbounded preceding and current row
        ) as ytd_passed_count,
        sum(observed_count) over (
            partition by indicator_code, county_code, period_year
            order by period_month
            rows between unbounded preceding and current row
        ) as ytd_observed_count
    from monthly_counts

),

measured_periods as (

    select
        indicator_code,
        county_code,
        period,
        'month' as period_grain,
        period_year,
        period_month as first_month,
        period_month as last_month,
        {{ rate_percent('passed_count', 'observed_count') }} as period_value,
        cast(passed_count as bigint) as passed_count,
        cast(observed_count as bigint) as observed_count,
        {{ rate_percent('ytd_passed_count', 'ytd_observed_count') }} as ytd_value,
        cast(null as date) as reported_date,
        'measured' as value_origin
    from monthly_year_to_date

),

-- Returns count only for indicators the contract does not measure from exports.
reported_periods as (

    select
        reports.indicator_code,
        reports.county_code,
        reports.period,
        reports.period_grain,
        reports.period_year,
        case reports.period_grain
            when 'year' then 1
            when 'quarter' then cast(substr(reports.period, 6, 1) as integer) * 3 - 2
            else cast(substr(reports.period, 6, 2) as integer)
        end as first_month,
        case reports.period_grain
            when 'year' then 12
            when 'quarter' then cast(substr(reports.period, 6, 1) as integer) * 3
            else cast(substr(reports.period, 6, 2) as integer)
        end as last_month,
        cast(reports.reported_value as {{ type_double() }}) as period_value,
        cast(null as bigint) as passed_count,
        cast(null as bigint) as observed_count,
        cast(null as {{ type_double() }}) as ytd_value,
        reports.reported_date,
        'reported' as value_origin
    from reports
    inner join indicators
        on reports.indicator_code = indicators.indicator_code
    where not indicators.is_measured

),

periods as (

    select * from measured_periods
    union all
    select * from reported_periods

),

final as (

    select
        -- ids
        {{ surrogate_key(['indicator_code', 'county_code', 'period']) }} as series_key,
        indicator_code,
        county_code,
        period,

        -- period
        period_grain,
        period_year,
        cast(make_date(period_year, first_month, 1) as date) as period_start_date,
        {{ period_end_date('period_year', 'last_month') }} as period_end_date,

        -- measures
        period_value,
        passed_count,
        observed_count,
        ytd_value,

        -- provenance
        value_origin,
        reported_date

    from periods

)

select * from final
