-- One row per source x county x month x sub-type x category with data: how many samples
-- (acceptance attempts for construction) were tested and passed. Sub-type is the sampling
-- type (market), test method (agriculture) or scale class (construction); category is the
-- product category, product group or structure type as the export spells it.
-- A table over int_monthly_outcomes (its samples and attempts), which keeps these monthly
-- counts up to date incrementally.

with

monthly_outcomes as (

    select * from {{ ref('int_monthly_outcomes') }}
    where counted_unit in ('sample', 'acceptance_attempt')

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

    from monthly_outcomes

)

select * from final
