with

source as (

    -- every free-text column masked here, before any other model reads it
    {{ masked_source('plan_returns', 'indicator_reports') }}

),

renamed as (

    select
        -- ids
        indicator_code,
        county_code,
        period,

        -- period: '2025' a year, '2025Q3' a quarter, '2025-09' a month
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
        {{ lineage_columns() }},
        cast(_loaded_at as date) as reported_date

    from source

)

select * from renamed
