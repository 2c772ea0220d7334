-- One row per measured indicator x county x year with data, plus the whole city (360900):
-- the four rates the contract computes from departmental exports, never from returns, as
-- passed / all observations of int_measured_observations (where the formulas live). The
-- year is the calendar year of the sampling date (round-1 acceptance date for projects).

with

observations as (

    select * from {{ ref('int_measured_observations') }}

),

observations_by_year as (

    select
        indicator_code,
        source,
        county_code,
        {{ year_of('observed_date') }} as period,
        observed_date,
        passed
    from observations

),

per_county as (

    select
        indicator_code,
        source,
        county_code,
        period,
        sum(passed) as passed_count,
        count(*) as observed_count,
        max(observed_date) as as_of_date
    from observations_by_year
    group by indicator_code, source, county_code, period

),

whole_city as (

    select
        indicator_code,
        source,
        '{{ var("city_code") }}' as county_code,
        period,
        sum(passed) as passed_count,
        count(*) as observed_count,
        max(observed_date) as as_of_date
    from observations_by_year
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
