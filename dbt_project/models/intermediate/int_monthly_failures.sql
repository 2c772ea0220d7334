{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_touched_periods() }}"
    )
}}

{{ touched_periods_depends_on() }}

-- One row per source x county x month x sub-type x failed test item x product with a
-- failure: how often that item failed there. mart_failure_reasons adds the months up to
-- years and ranks them. Market failures are the failed items of each sample's latest
-- version (sub-type: sampling type); agricultural ones the failed test items (sub-type:
-- test method).
-- Incremental: the source x county x months that new loads touched (int_touched_periods)
-- are deleted and recomputed from the facts.

with

market_samples as (

    select * from {{ ref('fct_market_samples') }} as samples
    where {{ in_touched_periods('market_sampling', 'samples.sampling_date', 'samples.county_code') }}

),

market_failed_items as (

    select * from {{ ref('fct_market_failed_items') }}

),

agri_tests as (

    select * from {{ ref('fct_agri_tests') }} as tests
    where not tests.is_passed
        and {{ in_touched_periods('agri_testing', 'tests.sampling_date', 'tests.county_code') }}

),

failures as (

    select
        'market_sampling' as source,
        market_samples.county_code,
        market_samples.sampling_date as observed_date,
        market_samples.sampling_type as sub_type,
        market_failed_items.failed_item,
        market_samples.product_name
    from market_failed_items
    inner join market_samples
        on market_failed_items.sample_id = market_samples.sample_id

    union all

    select
        'agri_testing' as source,
        county_code,
        sampling_date as observed_date,
        test_method as sub_type,
        test_item as failed_item,
        sample_name as product_name
    from agri_tests

),

final as (

    select
        -- period
        source,
        county_code,
        {{ month_start('observed_date') }} as month_start_date,

        -- categories
        sub_type,
        failed_item,
        product_name,

        -- measures
        count(*) as failure_count

    from failures
    where observed_date is not null
    group by 1, 2, 3, 4, 5, 6

)

select * from final
