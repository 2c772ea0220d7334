{{
    config(
        materialized='incremental',
        unique_key=['project_code', 'acceptance_round'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- depends_on: {{ ref('base_housing__construction_acceptance') }}

-- One row per completion-acceptance attempt (project x round), latest version. Incremental
-- runs take only attempts with a version newer than the last build.

with

attempts as (

    {% if is_incremental() %}
    select * from (
        {{ new_latest_versions(ref('base_housing__construction_acceptance'), ['project_code', 'acceptance_round']) }}
    ) as new_versions
    where load_id > {{ load_id_watermark() }}
    {% else %}
    select * from {{ ref('stg_housing__construction_acceptance') }}
    {% endif %}

),

final as (

    select
        -- ids
        {{ surrogate_key(['project_code', 'acceptance_round']) }} as acceptance_key,
        project_code,
        acceptance_round,
        county_code,

        -- categories
        scale_class,
        is_scale_class_derived,
        is_large_or_medium,
        structure_type,

        -- project and parties
        project_name,
        builder,
        contractor,
        supervisor_unit,
        filing_no,

        -- measures
        floor_area_m2,
        cost_10k_yuan,

        -- dates
        acceptance_date,
        filing_date,

        -- verdict
        verdict,
        is_passed,

        -- lineage
        load_id,
        source_file_name,
        source_file_sha256,
        source_row_number,
        loaded_at

    from attempts

)

select * from final
