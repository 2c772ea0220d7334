{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook=[
            "{{ delete_touched_periods(\"target.value_origin = 'measured'
                and target.period_year = extract(year from touched.month_start_date)
                and target.indicator_code in (
                    select indicator_code from \" ~ ref('dim_indicator') ~ \" where data_source = touched.source
                )\") }}",
            "{% if is_incremental() %}delete from {{ this }} where value_origin = 'reported'{% endif %}",
        ]
    )
}}

{{ touched_periods_depends_on() }}

-- One row per indicator x county x period of a series, every period dated by its first and
-- last day: each month with samples of the four measured rates (the month's rate and the
-- year-to-date rate, with their counts), plus the whole city (360900); and every return of
-- the other indicators at the grain it was reported (2025, 2025Q3, 2025-09).
-- mart_indicator_progress reads it for baselines and projections, the dashboard for trend lines.
-- Incremental: the measured indicator x years that new loads touched are recomputed (the
-- year-to-date rate runs over the year's months; int_touched_periods), and the
-- returns, a few rows, every time.

with

indicators as (

    select * from {{ ref('dim_indicator') }}

),

market_samples as (

    select * from {{ ref('fct_market_samples') }}

),

agri_samples as (

    select * from {{ ref('fct_agri_samples') }}

),

projects as (

    select * from {{ ref('fct_construction_projects') }}

),

reports as (

    select * from {{ ref('fct_indicator_reports') }}

),

-- The contract's formulas, as in mart_indicator_measurements (each year's months must add up
-- to its counts: tests/singular/assert_series_months_add_up_to_the_measured_years.sql).
observations as (

    select
        'QUAL_FOOD_DRUG_SAMPLING_PASS_RATE' as indicator_code,
        county_code,
        sampling_date as observed_date,
        is_passed
    from market_samples
    where sampling_type in ('food', 'drug')

    union all

    select
        'QUAL_MFG_PRODUCT_PASS_RATE' as indicator_code,
        county_code,
        sampling_date as observed_date,
        is_passed
    from market_samples
    where sampling_type = 'industrial'

    union all

    select
        'QUAL_AGRI_MONITORING_PASS_RATE' as indicator_code,
        county_code,
        sampling_date as observed_date,
        is_passed
    from agri_samples
    where test_method = 'quantitative'

    union all

    select
        'QUAL_PROJECT_FIRST_ACCEPTANCE_RATE' as indicator_code,
        county_code,
        first_acceptance_date as observed_date,
        is_first_acceptance_passed as is_passed
    from projects
    where is_large_or_medium
        and has_first_round

),

observations_by_month as (

    select
        indicator_code,
        county_code,
        {{ format_year_month('observed_date') }} as period,
        cast(extract(year from observed_date) as integer) as period_year,
        cast(extract(month from observed_date) as integer) as period_month,
        case when is_passed then 1 else 0 end as passed
    from observations
    where observed_date is not null
    {% if is_incremental() %}
        and exists (
            select 1
            from {{ ref('int_touched_periods') }} as touched
            inner join indicators
                on touched.source = indicators.data_source
            where observations.indicator_code = indicators.indicator_code
                and extract(year from observations.observed_date) = extract(year from touched.month_start_date)
        )
    {% endif %}

),

monthly_counts as (

    select
        indicator_code,
        county_code,
        period,
        period_year,
        period_month,
        sum(passed) as passed_count,
        count(*) as observed_count
    from observations_by_month
    group by indicator_code, county_code, period, period_year, period_month

    union all

    select
        indicator_code,
        '{{ var("city_code") }}' as county_code,
        period,
        period_year,
        period_month,
        sum(passed) as passed_count,
        count(*) as observed_count
    from observations_by_month
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
