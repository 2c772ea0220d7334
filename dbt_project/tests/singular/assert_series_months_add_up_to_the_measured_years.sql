-- mart_indicator_series repeats mart_indicator_measurements' formulas month by month: every
-- year's months must add up to the year's passed and observed counts, county by county.

with

series_years as (

    select
        indicator_code,
        county_code,
        cast(period_year as {{ dbt.type_string() }}) as period,
        sum(passed_count) as passed_count,
        sum(observed_count) as observed_count
    from {{ ref('mart_indicator_series') }}
    where value_origin = 'measured'
    group by indicator_code, county_code, period_year

),

measurements as (

    select * from {{ ref('mart_indicator_measurements') }}

),

mismatches as (

    select
        coalesce(measurements.indicator_code, series_years.indicator_code) as indicator_code,
        coalesce(measurements.county_code, series_years.county_code) as county_code,
        coalesce(measurements.period, series_years.period) as period
    from measurements
    full outer join series_years
        on measurements.indicator_code = series_years.indicator_code
        and measurements.county_code = series_years.county_code
        and measurements.period = series_years.period
    where measurements.indicator_code is null
        or series_years.indicator_code is null
        or measurements.passed_count <> series_years.passed_count
        or measurements.observed_count <> series_years.observed_count

)

select * from mismatches
