{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_touched_periods('target.source = touched.source
            and target.period = ' ~ year_of('touched.month_start_date')) }}"
    )
}}

{{ touched_periods_depends_on() }}

-- One row per measured indicator x county x year with data, plus the whole city (360900):
-- the four rates the contract computes from departmental exports, never from returns.
--   QUAL_FOOD_DRUG_SAMPLING_PASS_RATE  market samples of type food or drug: passed / all
--   QUAL_MFG_PRODUCT_PASS_RATE         market samples of type industrial: passed / all
--   QUAL_AGRI_MONITORING_PASS_RATE     quantitative agri samples: samples whose items all pass / samples
--   QUAL_PROJECT_FIRST_ACCEPTANCE_RATE large and medium projects with a round-1 acceptance in the
--                                      year: round 1 passed / projects
-- The year is the calendar year of the sampling date (round-1 acceptance date for projects).
-- Incremental: the source x years that new loads touched are recomputed (the city's row sums
-- the year's counties; int_touched_periods).

with

market_samples as (

    select * from {{ ref('fct_market_samples') }}

),

agri_samples as (

    select * from {{ ref('fct_agri_samples') }}

),

projects as (

    select * from {{ ref('fct_construction_projects') }}

),

observations as (

    select
        'QUAL_FOOD_DRUG_SAMPLING_PASS_RATE' as indicator_code,
        'market_sampling' as source,
        county_code,
        sampling_date as observed_date,
        is_passed
    from market_samples
    where sampling_type in ('food', 'drug')

    union all

    select
        'QUAL_MFG_PRODUCT_PASS_RATE' as indicator_code,
        'market_sampling' as source,
        county_code,
        sampling_date as observed_date,
        is_passed
    from market_samples
    where sampling_type = 'industrial'

    union all

    select
        'QUAL_AGRI_MONITORING_PASS_RATE' as indicator_code,
        'agri_testing' as source,
        county_code,
        sampling_date as observed_date,
        is_passed
    from agri_samples
    where test_method = 'quantitative'

    union all

    select
        'QUAL_PROJECT_FIRST_ACCEPTANCE_RATE' as indicator_code,
        'construction_acceptance' as source,
        county_code,
        first_acceptance_date as observed_date,
        is_first_acceptance_passed as is_passed
    from projects
    where is_large_or_medium
        and has_first_round

),

observations_by_year as (

    select
        indicator_code,
        source,
        county_code,
        {{ year_of('observed_date') }} as period,
        observed_date,
        case when is_passed then 1 else 0 end as passed
    from observations
    where observed_date is not null
    {% if is_incremental() %}
        and exists (
            select 1
            from {{ ref('int_touched_periods') }} as touched
            where observations.source = touched.source
                and {{ year_of('observations.observed_date') }} = {{ year_of('touched.month_start_date') }}
        )
    {% endif %}

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
