-- One row per source x sub-type x year x failed test item x product x county: how often that
-- item failed there, next to the item's total for the source, sub-type and year and its rank
-- among items (1 = fails most), and the product x county's rank within the item.
-- A table added up from the monthly failure counts (int_monthly_failures, kept up to date
-- incrementally): ranks span the year.

with

monthly_failures as (

    select * from {{ ref('int_monthly_failures') }}

),

counted as (

    select
        source,
        sub_type,
        {{ year_of('month_start_date') }} as period,
        failed_item,
        product_name,
        county_code,
        cast(sum(failure_count) as bigint) as failure_count
    from monthly_failures
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
