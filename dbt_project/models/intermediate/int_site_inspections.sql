-- One row per site inspection: what the inspection was (date, county, project, contractor,
-- type), read from its first row (the lowest finding number). Findings and their
-- inspection are counted by these attributes, so a county's or contractor's findings and
-- inspections always match.

with

finding_rows as (

    select * from {{ ref('stg_housing__construction_inspections') }}

),

ranked_rows as (

    select
        *,
        row_number() over (
            partition by inspection_no
            order by finding_no
        ) as row_rank
    from finding_rows

),

first_rows as (

    select *
    from ranked_rows
    where row_rank = 1

),

final as (

    select
        -- ids
        inspection_no,
        county_code,
        project_code,

        -- inspection
        project_name,
        contractor,
        inspection_type,

        -- dates
        inspection_date

    from first_rows

)

select * from final
