-- One row per indicator x county (the contract's 14 and the whole city) x target year: the
-- headline value of the target year as the indicator's kind aggregates it, its baseline,
-- the gap to the plan's target, and whether the trajectory reaches the target by the end of
-- the target year. Method and thresholds: the model's description in _indicators__models.yml.

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

series as (

    select * from {{ ref('mart_indicator_series') }}

),

spine as (

    select
        indicators.indicator_code,
        counties.county_code,
        indicators.target_year,
        cast(make_date(indicators.target_year, 12, 31) as date) as target_date
    from indicators
    cross join counties

),

-- ratio_of_sums: the target year's rate from all its samples so far, dated at the end of the
-- month of the latest sample.
measured_current as (

    select
        spine.indicator_code,
        spine.county_code,
        cast(measurements.actual_value as {{ type_double() }}) as actual_value,
        case
            when extract(month from measurements.as_of_date) = 12 then measurements.period
            else measurements.period || '-01/' || {{ format_year_month('measurements.as_of_date') }}
        end as actual_period,
        {{ period_end_date(
            'cast(extract(year from measurements.as_of_date) as integer)',
            'cast(extract(month from measurements.as_of_date) as integer)'
        ) }} as actual_date,
        measurements.observed_count as sample_size
    from spine
    inner join measurements
        on spine.indicator_code = measurements.indicator_code
        and spine.county_code = measurements.county_code
        and measurements.period = cast(spine.target_year as {{ dbt.type_string() }})

),

reported as (

    select
        series.*,
        indicators.aggregation,
        indicators.target_year
    from series
    inner join indicators
        on series.indicator_code = indicators.indicator_code
    where series.value_origin = 'reported'

),

reported_in_target_year as (

    select * from reported
    where period_year = target_year

),

-- latest (levels, reported rates, qualitative returns): the return ending last in the year;
-- at equal ends the coarser grain (a year return beats its December).
latest_ranked as (

    select
        *,
        row_number() over (
            partition by indicator_code, county_code
            order by
                period_end_date desc,
                case period_grain when 'year' then 1 when 'quarter' then 2 else 3 end,
                reported_date desc
        ) as pick
    from reported_in_target_year
    where aggregation in ('latest', 'none')

),

latest_current as (

    select
        indicator_code,
        county_code,
        period_value as actual_value,
        period as actual_period,
        period_end_date as actual_date,
        cast(null as bigint) as sample_size
    from latest_ranked
    where pick = 1

),

-- sum (increments): the year's return when there is one; otherwise the quarters plus the
-- months no reported quarter covers, so no month is counted twice.
sum_parts as (

    select parts.*
    from reported_in_target_year as parts
    where parts.aggregation = 'sum'
        and (
            parts.period_grain = 'year'
            or (
                not exists (
                    select 1
                    from reported_in_target_year as years
                    where years.indicator_code = parts.indicator_code
                        and years.county_code = parts.county_code
                        and years.period_grain = 'year'
                )
                and (
                    parts.period_grain = 'quarter'
                    or not exists (
                        select 1
                        from reported_in_target_year as quarters
                        where quarters.indicator_code = parts.indicator_code
                            and quarters.county_code = parts.county_code
                            and quarters.period_grain = 'quarter'
                            and parts.period_start_date >= quarters.period_start_date
                            and parts.period_end_date <= quarters.period_end_date
                    )
                )
            )
        )

),

sum_current as (

    select
        indicator_code,
        county_code,
        sum(period_value) as actual_value,
        {{ dbt.listagg('period', "'+'", 'order by period_start_date') }} as actual_period,
        max(period_end_date) as actual_date,
        cast(null as bigint) as sample_size
    from sum_parts
    group by indicator_code, county_code

),

current_values as (

    select * from measured_current
    union all
    select * from latest_current
    union all
    select * from sum_current

),

-- Baselines, best first: the last value before the target year; else the earliest value of
-- the target year's own monthly or quarterly series that ends before the current value;
-- increments start from 0 at the start of the year.
baseline_candidates as (

    select
        spine.indicator_code,
        spine.county_code,
        cast(measurements.actual_value as {{ type_double() }}) as baseline_value,
        measurements.period as baseline_period,
        cast(make_date(spine.target_year - 1, 12, 31) as date) as baseline_date,
        1 as priority
    from spine
    inner join measurements
        on spine.indicator_code = measurements.indicator_code
        and spine.county_code = measurements.county_code
        and measurements.period = cast(spine.target_year - 1 as {{ dbt.type_string() }})

    union all

    select
        series.indicator_code,
        series.county_code,
        series.period_value as baseline_value,
        series.period as baseline_period,
        series.period_end_date as baseline_date,
        2 as priority
    from series
    inner join spine
        on series.indicator_code = spine.indicator_code
        and series.county_code = spine.county_code
        and series.period_year = spine.target_year
    inner join measured_current
        on series.indicator_code = measured_current.indicator_code
        and series.county_code = measured_current.county_code
    where series.value_origin = 'measured'
        and series.period_end_date < measured_current.actual_date

    union all

    select
        reported.indicator_code,
        reported.county_code,
        reported.period_value as baseline_value,
        reported.period as baseline_period,
        reported.period_end_date as baseline_date,
        1 as priority
    from reported
    where reported.aggregation = 'latest'
        and reported.period_year < reported.target_year

    union all

    select
        reported_in_target_year.indicator_code,
        reported_in_target_year.county_code,
        reported_in_target_year.period_value as baseline_value,
        reported_in_target_year.period as baseline_period,
        reported_in_target_year.period_end_date as baseline_date,
        2 as priority
    from reported_in_target_year
    inner join latest_current
        on reported_in_target_year.indicator_code = latest_current.indicator_code
        and reported_in_target_year.county_code = latest_current.county_code
    where reported_in_target_year.aggregation = 'latest'
        and reported_in_target_year.period_end_date < latest_current.actual_date

    union all

    select
        spine.indicator_code,
        spine.county_code,
        0.0 as baseline_value,
        cast(null as {{ dbt.type_string() }}) as baseline_period,
        cast(make_date(spine.target_year - 1, 12, 31) as date) as baseline_date,
        1 as priority
    from spine
    inner join indicators
        on spine.indicator_code = indicators.indicator_code
    where indicators.aggregation = 'sum'

),

baselines as (

    select *
    from (
        select
            *,
            row_number() over (
                partition by indicator_code, county_code
                order by
                    priority,
                    -- before the year: the latest; within it: the earliest
                    case when priority = 1 then baseline_date end desc,
                    case when priority = 2 then baseline_date end asc
            ) as pick
        from baseline_candidates
    ) as ranked
    where pick = 1

),

joined as (

    select
        spine.indicator_code,
        spine.county_code,
        spine.target_year,
        spine.target_date,
        indicators.name_zh,
        indicators.unit,
        indicators.comparator,
        indicators.kind,
        indicators.aggregation,
        indicators.area,
        indicators.decimals,
        indicators.data_source as source,
        indicators.target_value,
        case when indicators.comparator = '<=' then -1.0 else 1.0 end as direction,
        (
            indicators.area = 'city_and_counties'
            or spine.county_code = '{{ var("city_code") }}'
        ) as is_applicable,
        current_values.actual_value,
        current_values.actual_period,
        current_values.actual_date,
        current_values.sample_size,
        -- a baseline only means something before the value it is compared with
        case when baselines.baseline_date < current_values.actual_date then baselines.baseline_value end
            as baseline_value,
        case when baselines.baseline_date < current_values.actual_date then baselines.baseline_period end
            as baseline_period,
        case when baselines.baseline_date < current_values.actual_date then baselines.baseline_date end
            as baseline_date
    from spine
    inner join indicators
        on spine.indicator_code = indicators.indicator_code
    left join current_values
        on spine.indicator_code = current_values.indicator_code
        and spine.county_code = current_values.county_code
    left join baselines
        on spine.indicator_code = baselines.indicator_code
        and spine.county_code = baselines.county_code

),

timed as (

    select
        *,
        cast({{ dbt.datediff('baseline_date', 'actual_date', 'day') }} as {{ type_double() }}) / 365.25
            as years_observed,
        cast({{ dbt.datediff('baseline_date', 'target_date', 'day') }} as {{ type_double() }}) / 365.25
            as years_required,
        direction * (actual_value - target_value) >= 0 as is_met,
        actual_date >= target_date as is_period_complete
    from joined

),

-- Observed progress over the progress required by the same date. Levels that grow from a
-- positive baseline: compound annual growth rates (UN ESCAP); rates (percentage points) and
-- increments (from 0): the linear version.
ratios as (

    select
        *,
        case
            when not is_applicable or kind = 'qualitative' or target_value is null then null
            when actual_value is null or baseline_value is null then null
            when years_observed <= 0 or years_required <= 0 then null
            when direction * (target_value - baseline_value) <= 0 then null
            when kind = 'level' and baseline_value > 0 and actual_value > 0 and target_value > 0 then
                (power(actual_value / baseline_value, 1.0 / years_observed) - 1.0)
                / (power(target_value / baseline_value, 1.0 / years_required) - 1.0)
            else
                ((actual_value - baseline_value) / years_observed)
                / ((target_value - baseline_value) / years_required)
        end as raw_progress_ratio
    from timed

),

scored as (

    select
        *,
        {{ round_to_decimals('raw_progress_ratio', 4) }} as progress_ratio,
        case
            when not is_applicable then 'not_applicable'
            when kind = 'qualitative' then
                case when actual_value = 1 then 'achieved' else 'qualitative' end
            when actual_value is null then 'no_data'
            -- a level reached or a count added stays reached; a rate only counts for the whole year
            when is_met and (kind in ('level', 'increment') or is_period_complete) then 'achieved'
            when is_met then 'on_track'
            when is_period_complete then 'off_track'
            when {{ round_to_decimals('raw_progress_ratio', 4) }} >= 0.95 then 'on_track'
            else 'off_track'
        end as status
    from ratios

),

final as (

    select
        -- ids
        {{ surrogate_key(['indicator_code', 'county_code', 'target_year']) }} as progress_key,
        indicator_code,
        county_code,
        target_year,

        -- indicator
        name_zh,
        kind,
        aggregation,
        area,
        unit,
        comparator,
        decimals,

        -- the value of the target year
        cast(actual_value as decimal(18, 4)) as actual_value,
        actual_period,
        sample_size,

        -- where it started
        cast(baseline_value as decimal(18, 4)) as baseline_value,
        baseline_period,
        baseline_date,

        -- against the plan
        cast(case when is_applicable then target_value end as decimal(18, 4)) as target_value,
        target_date,
        cast(
            case
                when is_applicable and kind <> 'qualitative'
                    then {{ round_to_decimals('direction * (actual_value - target_value)', 'decimals') }}
            end
            as decimal(18, 4)
        ) as gap,
        progress_ratio,

        -- judgement
        status,

        -- provenance
        source,
        actual_date as as_of

    from scored

)

select * from final
