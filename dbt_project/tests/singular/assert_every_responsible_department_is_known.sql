-- Every name in dim_indicator.responsible_departments matches one department of
-- dim_department (by name or alias): the bridge holds as many rows as the list has names.

with

indicators as (

    select * from {{ ref('dim_indicator') }}

),

bridge as (

    select * from {{ ref('bridge_indicator_department') }}

),

named as (

    select
        indicator_code,
        {{ dbt.length('responsible_departments') }}
            - {{ dbt.length(dbt.replace('responsible_departments', "'、'", "''")) }}
            + 1 as named_count
    from indicators

),

matched as (

    select
        indicator_code,
        count(*) as matched_count
    from bridge
    group by indicator_code

)

select
    named.indicator_code,
    named.named_count,
    coalesce(matched.matched_count, 0) as matched_count
from named
left join matched
    on named.indicator_code = matched.indicator_code
where named.named_count <> coalesce(matched.matched_count, 0)
