{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_touched_periods('target.source = touched.source
            and target.county_code is not distinct from touched.county_code
            and target.month_start_date = touched.month_start_date') }}"
    )
}}

{{ touched_periods_depends_on() }}

-- One row per source x county x month x sub-type x category with data: how many samples
-- (acceptance attempts for construction) were tested and passed. Sub-type is the sampling
-- type (market), test method (agriculture) or scale class (construction); category is the
-- product category, product group or structure type as the export spells it.
-- Incremental: the source x county x months that new loads touched are recomputed
-- (int_touched_periods).

with

market_samples as (

    select * from {{ ref('fct_market_samples') }}

),

agri_samples as (

    select * from {{ ref('fct_agri_samples') }}

),

acceptances as (

    select * from {{ ref('fct_construction_acceptances') }}

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

),

monthly as (

    select
        source,
        counted_unit,
        county_code,
        {{ month_start('observed_date') }} as month_start_date,
        sub_type,
        coalesce(category, '未分类') as category,
        count(*) as tested_count,
        sum(case when is_passed then 1 else 0 end) as passed_count
    from outcomes
    where observed_date is not null
    {% if is_incremental() %}
        and exists (
            select 1
            from {{ ref('int_touched_periods') }} as touched
            where outcomes.source = touched.source
                and outcomes.county_code is not distinct from touched.county_code
                and {{ month_start('outcomes.observed_date') }} = touched.month_start_date
        )
    {% endif %}
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        -- ids
        {{ surrogate_key(['source', 'county_code', 'month_start_date', 'sub_type', 'category']) }}
            as pass_rate_key,
        source,
        county_code,

        -- period
        month_start_date,
        {{ format_year_month('month_start_date') }} as year_month,

        -- categories
        sub_type,
        category,
        counted_unit,

        -- measures
        tested_count,
        passed_count,
        tested_count - passed_count as failed_count,
        {{ rate_percent('passed_count', 'tested_count') }} as pass_rate

    from monthly

)

select * from final
