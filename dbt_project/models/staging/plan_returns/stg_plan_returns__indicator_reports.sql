-- Hand-written (qcity contracts sync leaves a stg_ model without its header alone): the
-- latest version of each return, its period read ('2025' a year, '2025Q3' a quarter,
-- '2025-09' a month) and its columns under the names the indicator marts use.

with

latest as (

    {{ latest_version(ref('base_plan_returns__indicator_reports'), ['indicator_code', 'county_code', 'period']) }}

),

final as (

    select
        -- ids
        indicator_code,
        county_code,
        period,

        -- period
        cast(substr(period, 1, 4) as integer) as period_year,
        case
            when length(period) = 4 then 'year'
            when period like '%Q%' then 'quarter'
            else 'month'
        end as period_grain,

        -- measures
        value as reported_value,
        unit,

        -- reporting
        indicator_name,
        department as reporting_department,
        remarks,

        -- lineage
        load_id,
        source_file_name,
        source_file_sha256,
        source_row_number,
        loaded_at,
        cast(loaded_at as date) as reported_date

    from latest

)

select * from final
