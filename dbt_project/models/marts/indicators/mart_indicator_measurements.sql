-- One row per measured indicator x county x year with data, plus the whole city (360900):
-- the four rates the contract computes from departmental exports, never from returns
-- (formulas in int_measured_indicator_months).
-- The year is the calendar year of the sampling date (round-1 acceptance date for projects).
-- A table added up from the measured months (a few rows per county and month), which
-- int_monthly_outcomes keeps up to date incrementally.

with

indicator_months as (

    select * from {{ ref('int_measured_indicator_months') }}

),

indicator_months_by_year as (

    select
        indicator_code,
        source,
        county_code,
        {{ year_of('month_start_date') }} as period,
        passed_count,
        observed_count,
        last_observed_date
    from indicator_months

),

per_county as (

    select
        indicator_code,
        source,
        county_code,
        period,
        cast(sum(passed_count) as bigint) as passed_count,
        cast(sum(observed_count) as bigint) as observed_count,
        max(last_observed_date) as as_of_date
    from indicator_months_by_year
    group by indicator_code, source, county_code, period

),

whole_city as (

    select
        indicator_code,
        source,
        '{{ var("city_code") }}' as county_code,
        period,
        cast(sum(passed_count) as bigint) as passed_count,
        cast(sum(observed_count) as bigint) as observed_count,
        max(last_observed_date) as as_of_date
    from indicator_months_by_year
    group by indicator_code, source, period

),

counts as (

    select * from per_county
    union all
    select * from whole_city

),

final as (

    select
        -- ids
        indicator_code,
        county_code,
        period,

        -- source
        source,

        -- measures
        passed_count,
        observed_count,
        {{ rate_percent('passed_count', 'observed_count') }} as actual_value,

        -- dates
        as_of_date

    from counts

)

select * from final
