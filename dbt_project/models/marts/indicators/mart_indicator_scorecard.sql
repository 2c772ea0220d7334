-- One row per indicator x county x period. Every indicator has a row for the whole city
-- (360900) in its target year even without data; measured rates also have a row for every
-- county in every year their source has data; returns add the keys they report.

with

indicators as (

    -- the plan's targets: 监测指标 have no target year, nothing to score against
    select * from {{ ref('dim_indicator') }}
    where target_year is not null

),

counties as (

    select * from {{ ref('dim_county') }}

),

measurements as (

    select * from {{ ref('mart_indicator_measurements') }}

),

reports as (

    select * from {{ ref('fct_indicator_reports') }}

),

-- Returns count only for indicators the contract does not measure from exports.
reported_values as (

    select reports.*
    from reports
    inner join indicators
        on reports.indicator_code = indicators.indicator_code
    where not indicators.is_measured

),

target_rows as (

    select
        indicator_code,
        '{{ var("city_code") }}' as county_code,
        cast(target_year as {{ dbt.type_string() }}) as period
    from indicators

),

measured_rows as (

    select
        measured_years.indicator_code,
        counties.county_code,
        measured_years.period
    from (
        select distinct indicator_code, period
        from measurements
    ) as measured_years
    cross join counties

),

reported_rows as (

    select
        indicator_code,
        county_code,
        period
    from reported_values

),

spine as (

    select indicator_code, county_code, period from target_rows
    union
    select indicator_code, county_code, period from measured_rows
    union
    select indicator_code, county_code, period from reported_rows

),

joined as (

    select
        spine.indicator_code,
        spine.county_code,
        spine.period,
        indicators.name_zh,
        indicators.unit,
        indicators.comparator,
        indicators.target_value,
        indicators.target_text,
        indicators.decimals,
        indicators.data_source as source,
        coalesce(measurements.actual_value, reported_values.reported_value) as actual_value,
        measurements.observed_count as sample_size,
        coalesce(measurements.as_of_date, reported_values.reported_date) as as_of,
        reported_values.source_file_name,
        reported_values.source_row_number
    from spine
    inner join indicators
        on spine.indicator_code = indicators.indicator_code
    left join measurements
        on spine.indicator_code = measurements.indicator_code
        and spine.county_code = measurements.county_code
        and spine.period = measurements.period
    left join reported_values
        on spine.indicator_code = reported_values.indicator_code
        and spine.county_code = reported_values.county_code
        and spine.period = reported_values.period

),

scored as (

    select
        *,
        -- rounded to the indicator's decimals: -6.4, never -6.400000000000006
        {{ round_to_decimals(
            "case
                when comparator = '>=' then actual_value - target_value
                when comparator = '<=' then target_value - actual_value
                when comparator = '=' then actual_value - target_value
            end",
            'coalesce(decimals, 4)',
            type_double()
        ) }} as gap,
        case
            -- a qualitative target is judged by the department: 1 reported = achieved, 0 = not
            when comparator is null then
                case
                    when actual_value = 1 then 'achieved'
                    when actual_value = 0 then 'not_achieved'
                    else 'qualitative'
                end
            when actual_value is null then 'no_data'
            when comparator = '>=' and actual_value >= target_value then 'achieved'
            when comparator = '<=' and actual_value <= target_value then 'achieved'
            when comparator = '=' and actual_value = target_value then 'achieved'
            else 'not_achieved'
        end as status
    from joined

),

final as (

    select
        -- ids
        {{ surrogate_key(['indicator_code', 'county_code', 'period']) }} as scorecard_key,
        indicator_code,
        county_code,
        period,

        -- indicator
        name_zh,
        unit,
        comparator,
        target_text,

        -- measures
        actual_value,
        target_value,
        gap,
        sample_size,

        -- judgement
        status,

        -- provenance
        source,
        source_file_name,
        source_row_number,
        as_of

    from scored

)

select * from final
