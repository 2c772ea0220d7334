-- The contract's county table plus the whole city (360900), which marts use for city totals.

with

counties as (

    select * from {{ ref('counties') }}

),

county_rows as (

    select
        county_code,
        name_zh,
        name_en,
        variants,
        -- 360990-360998 the functional zones, 360999 the city level (provincial extension codes)
        case
            when county_code = '360999' then 'city_level'
            when county_code >= '360990' then 'functional_zone'
            else 'county'
        end as division_kind,
        false as is_whole_city
    from counties

),

whole_city as (

    select
        '{{ var("city_code") }}' as county_code,
        '宜春市' as name_zh,
        'Yichun City' as name_en,
        cast(null as {{ dbt.type_string() }}) as variants,
        'whole_city' as division_kind,
        true as is_whole_city

),

final as (

    select * from county_rows
    union all
    select * from whole_city

)

select * from final
