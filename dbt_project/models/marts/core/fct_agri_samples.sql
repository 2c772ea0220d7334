{{
    config(
        materialized='incremental',
        unique_key='sample_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- depends_on: {{ ref('base_agriculture__agri_testing') }}

-- One row per agricultural sample x test method; passed when all its items passed.
-- Incremental runs recompute only samples with a test item newer than the last build.

with

samples as (

    select * from {{ ref('int_agri_samples') }}
    {% if is_incremental() %}
    where {{ has_new_version('sample_id', ref('base_agriculture__agri_testing'), 'latest_load_id') }}
    {% endif %}

),

final as (

    select
        -- ids
        {{ surrogate_key(['sample_id', 'test_method']) }} as agri_sample_key,
        sample_id,
        test_method,
        county_code,

        -- sample
        sample_name,
        product_group,

        -- dates
        sampling_date,

        -- measures
        test_item_count,
        failed_item_count,

        -- verdict
        is_passed,

        -- lineage
        latest_load_id

    from samples

)

select * from final
