{{
    config(
        materialized='incremental',
        unique_key=['sample_id', 'test_item'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- depends_on: {{ ref('base_agriculture__agri_testing') }}

-- One row per agricultural sample x test item, latest version. Incremental runs take only
-- items with a version newer than the last build.

with

tests as (

    {% if is_incremental() %}
    select * from (
        {{ new_latest_versions(ref('base_agriculture__agri_testing'), ['sample_id', 'test_item']) }}
    ) as new_versions
    where load_id > {{ load_id_watermark() }}
    {% else %}
    select * from {{ ref('stg_agriculture__agri_testing') }}
    {% endif %}

),

final as (

    select
        -- ids
        {{ surrogate_key(['sample_id', 'test_item']) }} as agri_test_key,
        sample_id,
        test_item,
        county_code,

        -- categories
        test_method,
        product_group,
        sampling_stage,

        -- sample
        sample_name,
        sampling_site,
        lab,
        standard,

        -- measures
        measured_value,
        is_below_detection,
        limit_value,
        unit,

        -- dates
        sampling_date,

        -- verdict
        verdict,
        is_passed,

        -- lineage
        load_id,
        source_file_name,
        source_file_sha256,
        source_row_number,
        loaded_at

    from tests

)

select * from final
