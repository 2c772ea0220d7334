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

-- One row per source x sub-type x year x failed test item x product x county: how often that
-- item failed there, next to the item's total for the source, sub-type and year and its rank
-- among items (1 = fails most), and the product x county's rank within the item.
-- Incremental: the source x years that new loads touched are recomputed (ranks span a year).

with

market_samples as (

    select * from {{ ref('fct_market_samples') }}

),

market_failed_items as (

    select * from {{ ref('fct_market_failed_items') }}

),

agri_tests as (

    select * from {{ ref('fct_agri_tests') }}

),

failures as (

    select
        'market_sampling' as source,
        market_samples.sampling_type as sub_type,
        market_samples.sampling_date as observed_date,
        market_failed_items.failed_item,
        market_samples.product_name,
        market_samples.county_code
    from market_failed_items
    inner join market_samples
        on market_failed_items.sample_id = market_samples.sample_id

    union all

    select
        'agri_testing' as source,
        test_method as sub_type,
        sampling_date as observed_date,
        test_item as failed_item,
        sample_name as product_name,
        county_code
    from agri_tests
    where not is_passed

),

counted as (

    select
        source,
        sub_type,
        {{ year_of('observed_date') }} as period,
        failed_item,
        product_name,
        county_code,
        count(*) as failure_count
    from failures
    where observed_date is not null
    {% if is_incremental() %}
        and exists (
            select 1
            from {{ ref('int_touched_periods') }} as touched
            where failures.source = touched.source
                and {{ year_of('failures.observed_date') }} = {{ year_of('touched.month_start_date') }}
        )
    {% endif %}
    group by 1, 2, 3, 4, 5, 6

),

with_item_totals as (

    select
        *,
        sum(failure_count) over (
            partition by source, sub_type, period, failed_item
        ) as item_failure_count
    from counted

),

ranked as (

    select
        *,
        dense_rank() over (
            partition by source, sub_type, period
            order by item_failure_count desc
        ) as item_rank,
        dense_rank() over (
            partition by source, sub_type, period, failed_item
            order by failure_count desc
        ) as rank_within_item
    from with_item_totals

),

final as (

    select
        -- ids
        {{ surrogate_key(['source', 'sub_type', 'period', 'failed_item', 'product_name', 'county_code']) }}
            as failure_reason_key,
        source,
        sub_type,
        period,
        failed_item,
        product_name,
        county_code,

        -- measures
        failure_count,
        item_failure_count,

        -- ranks
        item_rank,
        rank_within_item

    from ranked

)

select * from final
