-- Judged as of the build day: rebuilt by every build (tag as_of_day, warehouse/dbt_build.py).
{{ config(tags=['as_of_day']) }}

-- One row per 监测指标 x county (and 360900, the whole city) x period (each month, and
-- each year) with data: the numerator and denominator the measure is made of, and its
-- value. Counts come from the monthly marts; a rate is recomputed from summed counts,
-- never averaged. Nothing here is scored: these indicators have no target.

with

indicators as (

    select * from {{ ref('dim_indicator') }}
    where is_monitoring

),

site_monthly as (

    select * from {{ ref('mart_site_findings_monthly') }}

),

material_monthly as (

    select * from {{ ref('mart_building_material_pass_rates') }}

),

-- Each measure's counts per county and month, as (numerator, denominator).
county_months as (

    select
        'MON_SITE_FINDINGS_PER_INSPECTION' as indicator_code, county_code, month_start_date,
        finding_count as numerator, inspection_count as denominator
    from site_monthly

    union all

    select
        'MON_SITE_MAJOR_FINDING_SHARE', county_code, month_start_date,
        major_or_critical_count, finding_count
    from site_monthly

    union all

    select
        'MON_SITE_RECTIFIED_ON_TIME_RATE', county_code, month_start_date,
        rectified_on_time_count, deadline_passed_count
    from site_monthly

    union all

    select
        'MON_SITE_OVERDUE_OPEN_FINDINGS', county_code, month_start_date,
        open_past_deadline_count, cast(null as bigint)
    from site_monthly

    union all

    select
        'MON_BUILDING_MATERIAL_PASS_RATE', county_code, month_start_date,
        passed_count, tested_count
    from material_monthly

),

with_city as (

    select indicator_code, county_code, month_start_date, numerator, denominator
    from county_months

    union all

    select
        indicator_code,
        '{{ var("city_code") }}' as county_code,
        month_start_date,
        numerator,
        denominator
    from county_months

),

months as (

    select
        indicator_code,
        county_code,
        'month' as period_grain,
        {{ format_year_month('month_start_date') }} as period,
        month_start_date as period_start_date,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from with_city
    group by 1, 2, 3, 4, 5

),

years as (

    select
        indicator_code,
        county_code,
        'year' as period_grain,
        {{ year_of('month_start_date') }} as period,
        min(month_start_date) as period_start_date,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from with_city
    group by 1, 2, 3, 4

),

periods as (

    select * from months
    union all
    select * from years

),

valued as (

    select
        periods.*,
        indicators.name_zh,
        indicators.unit,
        case
            when indicators.aggregation = 'sum' then cast(periods.numerator as {{ type_double() }})
            when indicators.unit = '%' then {{ rate_percent('periods.numerator', 'periods.denominator') }}
            when periods.denominator > 0
                then cast(periods.numerator as {{ type_double() }}) / periods.denominator
        end as value
    from periods
    inner join indicators
        on periods.indicator_code = indicators.indicator_code

),

final as (

    select
        -- ids
        {{ surrogate_key(['indicator_code', 'county_code', 'period']) }} as measure_key,
        indicator_code,
        county_code,
        period,
        period_grain,
        period_start_date,

        -- indicator
        name_zh,
        unit,

        -- measures
        cast(numerator as bigint) as numerator,
        cast(denominator as bigint) as denominator,
        value,

        -- reference day of the deadline judgements
        {{ as_of_date() }} as as_of_date

    from valued

)

select * from final
