-- One row per indicator x county x period: the latest return of each key.

with

reports as (

    select * from {{ ref('stg_plan_returns__indicator_reports') }}

),

final as (

    select
        -- ids
        {{ surrogate_key(['indicator_code', 'county_code', 'period']) }} as indicator_report_key,
        indicator_code,
        county_code,
        period,

        -- period
        period_year,
        period_grain,

        -- measures
        reported_value,
        unit,

        -- reporting
        indicator_name,
        reporting_department,
        remarks,
        reported_date,

        -- lineage
        load_id,
        source_file_name,
        source_file_sha256,
        source_row_number,
        loaded_at

    from reports

)

select * from final
