{{
    config(
        materialized='incremental',
        unique_key='project_code',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- depends_on: {{ ref('base_housing__construction_acceptance') }}

-- One row per construction project. Incremental runs recompute only projects with an
-- attempt newer than the last build.

with

projects as (

    select * from {{ ref('int_construction_projects') }}
    {% if is_incremental() %}
    where {{ has_new_version('project_code', ref('base_housing__construction_acceptance'), 'latest_load_id') }}
    {% endif %}

),

final as (

    select
        -- ids
        project_code,
        county_code,

        -- categories
        scale_class,
        is_large_or_medium,
        structure_type,

        -- project
        project_name,

        -- dates
        first_acceptance_date,
        accepted_date,

        -- measures
        attempt_count,
        latest_round,

        -- flags
        has_first_round,
        is_first_acceptance_passed,
        is_accepted,

        -- lineage
        latest_load_id

    from projects

)

select * from final
