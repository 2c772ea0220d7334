{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_touched_periods() }}"
    )
}}

{{ touched_periods_depends_on() }}

-- One row per source x county x month x counted unit x sub-type x category with data: how
-- many were tested and how many passed, and the last date among them. The monthly counts
-- every pass-rate mart adds up (mart_pass_rates as they are, the measured indicators by
-- month and year), so those read a few thousand rows instead of the facts.
-- Counted units: market and agricultural samples, construction acceptance attempts, and
-- construction projects by their round-1 acceptance (the first-time acceptance rate's
-- event). Sub-type is the sampling type (market), test method (agriculture) or scale class
-- (construction); category is the product category, product group or structure type as
-- the export spells it ('未分类' when blank).
-- Incremental: the source x county x months that new loads touched (int_touched_periods)
-- are deleted and recomputed from the facts.

with

market_samples as (

    select * from {{ ref('fct_market_samples') }} as samples
    where {{ in_touched_periods('market_sampling', 'samples.sampling_date', 'samples.county_code') }}

),

agri_samples as (

    select * from {{ ref('fct_agri_samples') }} as samples
    where {{ in_touched_periods('agri_testing', 'samples.sampling_date', 'samples.county_code') }}

),

acceptances as (

    select * from {{ ref('fct_construction_acceptances') }} as attempts
    where {{ in_touched_periods('construction_acceptance', 'attempts.acceptance_date', 'attempts.county_code') }}

),

projects as (

    select * from {{ ref('fct_construction_projects') }} as projects
    where projects.has_first_round
        and {{ in_touched_periods('construction_acceptance', 'projects.first_acceptance_date', 'projects.county_code') }}

),

outcomes as (

    select
        'market_sampling' as source,
        'sample' as counted_unit,
        county_code,
        sampling_date as observed_date,
        sampling_type as sub_type,
        category,
        is_passed
    from market_samples

    union all

    select
        'agri_testing' as source,
        'sample' as counted_unit,
        county_code,
        sampling_date as observed_date,
        test_method as sub_type,
        product_group as category,
        is_passed
    from agri_samples

    union all

    select
        'construction_acceptance' as source,
        'acceptance_attempt' as counted_unit,
        county_code,
        acceptance_date as observed_date,
        scale_class as sub_type,
        structure_type as category,
        is_passed
    from acceptances

    union all

    select
        'construction_acceptance' as source,
        'project_first_acceptance' as counted_unit,
        county_code,
        first_acceptance_date as observed_date,
        scale_class as sub_type,
        structure_type as category,
        is_first_acceptance_passed as is_passed
    from projects

),

final as (

    select
        -- period
        source,
        county_code,
        {{ month_start('observed_date') }} as month_start_date,

        -- categories
        counted_unit,
        sub_type,
        coalesce(category, '未分类') as category,

        -- measures
        count(*) as tested_count,
        sum(case when is_passed then 1 else 0 end) as passed_count,

        -- dates
        max(observed_date) as last_observed_date

    from outcomes
    where observed_date is not null
    group by 1, 2, 3, 4, 5, 6

)

select * from final
