-- One row per agricultural sample and test method: a sample passes when all its items pass.
-- The sample's date is the earliest date of its items (they normally share one).

with

tests as (

    select * from {{ ref('stg_agriculture__agri_testing') }}

),

samples as (

    select
        -- ids
        sample_id,
        test_method,
        min(county_code) as county_code,

        -- sample
        min(sample_name) as sample_name,
        min(product_group) as product_group,

        -- dates
        min(sampling_date) as sampling_date,

        -- measures
        count(*) as test_item_count,
        sum(case when is_passed then 0 else 1 end) as failed_item_count,

        -- lineage: the newest version among the sample's items
        max(load_id) as latest_load_id

    from tests
    group by sample_id, test_method

),

final as (

    select
        sample_id,
        test_method,
        county_code,
        sample_name,
        product_group,
        sampling_date,
        test_item_count,
        failed_item_count,
        failed_item_count = 0 as is_passed,
        latest_load_id
    from samples

)

select * from final
