-- One row per measured indicator x county x month with observations: the four rates the
-- contract computes from departmental exports, never from returns, as monthly counts (from
-- int_monthly_outcomes, so they cost its few rows, not the facts).
--   QUAL_FOOD_DRUG_SAMPLING_PASS_RATE  market samples of type food or drug: passed / all
--   QUAL_MFG_PRODUCT_PASS_RATE         market samples of type industrial: passed / all
--   QUAL_AGRI_MONITORING_PASS_RATE     quantitative agri samples: samples whose items all pass / samples
--   QUAL_PROJECT_FIRST_ACCEPTANCE_RATE large and medium projects with a round-1 acceptance:
--                                      round 1 passed / projects
-- The month is that of the sampling date (round-1 acceptance date for projects).
-- mart_indicator_measurements adds the months up to years, mart_indicator_series keeps them.

with

outcomes as (

    select * from {{ ref('int_monthly_outcomes') }}

),

indicator_outcomes as (

    select
        'QUAL_FOOD_DRUG_SAMPLING_PASS_RATE' as indicator_code,
        source,
        county_code,
        month_start_date,
        tested_count,
        passed_count,
        last_observed_date
    from outcomes
    where source = 'market_sampling'
        and counted_unit = 'sample'
        and sub_type in ('food', 'drug')

    union all

    select
        'QUAL_MFG_PRODUCT_PASS_RATE' as indicator_code,
        source,
        county_code,
        month_start_date,
        tested_count,
        passed_count,
        last_observed_date
    from outcomes
    where source = 'market_sampling'
        and counted_unit = 'sample'
        and sub_type = 'industrial'

    union all

    select
        'QUAL_AGRI_MONITORING_PASS_RATE' as indicator_code,
        source,
        county_code,
        month_start_date,
        tested_count,
        passed_count,
        last_observed_date
    from outcomes
    where source = 'agri_testing'
        and counted_unit = 'sample'
        and sub_type = 'quantitative'

    union all

    select
        'QUAL_PROJECT_FIRST_ACCEPTANCE_RATE' as indicator_code,
        source,
        county_code,
        month_start_date,
        tested_count,
        passed_count,
        last_observed_date
    from outcomes
    where source = 'construction_acceptance'
        and counted_unit = 'project_first_acceptance'
        and {{ is_large_or_medium('sub_type') }}

),

final as (

    select
        -- ids
        indicator_code,
        county_code,
        month_start_date,

        -- source
        source,

        -- measures
        cast(sum(passed_count) as bigint) as passed_count,
        cast(sum(tested_count) as bigint) as observed_count,

        -- dates
        max(last_observed_date) as last_observed_date

    from indicator_outcomes
    group by indicator_code, county_code, month_start_date, source

)

select * from final
