-- One row per natural key: its latest version (a corrected re-export has a higher load id).

with

final as (

    {{ latest_version(ref('base_agriculture__agri_testing'), ['sample_id', 'test_item']) }}

)

select * from final
