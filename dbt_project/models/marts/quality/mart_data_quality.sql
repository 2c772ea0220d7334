-- Judged as of the build day: rebuilt by every build (tag as_of_day, warehouse/dbt_build.py).
{{ config(tags=['as_of_day']) }}

-- One row per source, with the department that delivers it: files received, loaded,
-- duplicated and rejected, rows read, loaded and quarantined, the three rules broken most
-- (by code, and by their Chinese labels),
-- and days since the last delivery (any file received) against the contract's cadence.

with

data_sources as (

    select * from {{ ref('data_sources') }}

),

departments as (

    select * from {{ ref('dim_department') }}

),

manifest as (

    select * from {{ ref('stg_ingestion_audit__file_manifest') }}

),

quarantine as (

    select * from {{ ref('stg_ingestion_audit__quarantine') }}

),

file_stats as (

    select
        source,
        count(*) as files_received,
        sum(case when is_loaded then 1 else 0 end) as files_loaded,
        sum(case when is_duplicate then 1 else 0 end) as files_duplicate,
        sum(case when is_rejected then 1 else 0 end) as files_rejected,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,
        max(received_at) as last_received_at,
        max(case when is_loaded then received_at end) as last_loaded_at
    from manifest
    group by source

),

quality_rules as (

    select * from {{ ref('quality_rules') }}

),

rule_counts as (

    select
        quarantine.source,
        quarantine.rule,
        coalesce(quality_rules.label_zh, quarantine.rule) as rule_label_zh,
        count(*) as rows_broken
    from quarantine
    left join quality_rules
        on quarantine.rule = quality_rules.rule
    group by quarantine.source, quarantine.rule, quality_rules.label_zh

),

top_rules as (

    select
        source,
        {{ dbt.listagg(
            measure="rule || ' (' || cast(rows_broken as " ~ dbt.type_string() ~ ") || ')'",
            delimiter_text="', '",
            order_by_clause="order by rows_broken desc, rule",
            limit_num=3
        ) }} as top_rules_broken,
        {{ dbt.listagg(
            measure="rule_label_zh || '（' || cast(rows_broken as " ~ dbt.type_string() ~ ") || '）'",
            delimiter_text="'、'",
            order_by_clause="order by rows_broken desc, rule",
            limit_num=3
        ) }} as top_rules_broken_zh
    from rule_counts
    group by source

),

delivery as (

    select
        source,
        {{ dbt.datediff('cast(last_received_at as date)', as_of_date(), 'day') }}
            as days_since_last_delivery
    from file_stats

),

final as (

    select
        -- ids
        data_sources.source,
        data_sources.department_code,

        -- names
        departments.name_zh as department_name_zh,
        departments.name_en as department_name_en,
        data_sources.title_zh as source_title_zh,

        -- files
        coalesce(file_stats.files_received, 0) as files_received,
        coalesce(file_stats.files_loaded, 0) as files_loaded,
        coalesce(file_stats.files_duplicate, 0) as files_duplicate,
        coalesce(file_stats.files_rejected, 0) as files_rejected,

        -- rows
        coalesce(file_stats.rows_read, 0) as rows_read,
        coalesce(file_stats.rows_loaded, 0) as rows_loaded,
        coalesce(file_stats.rows_quarantined, 0) as rows_quarantined,
        {{ rate_percent('file_stats.rows_quarantined', 'file_stats.rows_read') }}
            as quarantine_rate,
        top_rules.top_rules_broken,
        top_rules.top_rules_broken_zh,

        -- delivery
        file_stats.last_received_at,
        file_stats.last_loaded_at,
        data_sources.cadence_days,
        {{ as_of_date() }} as as_of_date,
        delivery.days_since_last_delivery,
        coalesce(delivery.days_since_last_delivery > data_sources.cadence_days, true)
            as is_overdue

    from data_sources
    left join departments
        on data_sources.department_code = departments.department_code
    left join file_stats
        on data_sources.source = file_stats.source
    left join top_rules
        on data_sources.source = top_rules.source
    left join delivery
        on data_sources.source = delivery.source

)

select * from final
