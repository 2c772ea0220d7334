-- One row per natural key: its latest version (a corrected re-export has a higher load id).

with

final as (

    {{ latest_version(ref('base_housing__construction_inspections'), ['inspection_no', 'finding_no']) }}

)

select * from final
