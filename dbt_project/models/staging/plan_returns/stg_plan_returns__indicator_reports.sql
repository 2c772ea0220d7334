-- One row per natural key: its latest version (a corrected re-export has a higher load id).

with

final as (

    {{ latest_version(ref('base_plan_returns__indicator_reports'), ['indicator_code', 'county_code', 'period']) }}

)

select * from final
