{# Pre-hook of an aggregate model incremental by period (one row per source x county x
   month, as int_monthly_outcomes and int_monthly_failures hold them): delete its rows of the
   periods new loads touched, matched to int_touched_periods by source, county and month; the
   run then appends them recomputed. A period with no row left stays deleted. #}
{% macro delete_touched_periods() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as target
        where exists (
            select 1
            from {{ ref('int_touched_periods') }} as touched
            where target.source = touched.source
                and target.county_code is not distinct from touched.county_code
                and target.month_start_date = touched.month_start_date
        )
    {%- endif -%}
{%- endmacro %}

{# A mart incremental by period reads int_touched_periods in its incremental runs only: this
   comment in its body lets dbt see the ref when it parses the model. A unit test, which runs
   the full build of the model on its given rows, has no such node. #}
{% macro touched_periods_depends_on() -%}
    {%- if model.resource_type != 'unit_test' -%}
    -- depends_on: {{ ref('int_touched_periods') }}
    {%- endif -%}
{%- endmacro %}

{# Where clause of an incremental run by period: the row (of `source`, with its county and
   date: columns qualified by the row's table, as the touched row has a county_code too) lies
   in a county x month that new loads touched. The touched months' range comes
   first, as constants read from int_touched_periods at run time, so the facts' dates are
   compared before anything is joined; `false` when the loads touched no month of the
   source, whose facts are then not read at all. A full build (or a unit test) reads every
   row: `true`. #}
{% macro in_touched_periods(source, date_column, county_column) -%}
    {%- if not is_incremental() -%}
        true
    {%- else -%}
        {%- set touched_range = none -%}
        {%- if execute -%}
            {%- set touched_range = run_query(
                "select min(month_start_date), max(month_start_date) from " ~ ref('int_touched_periods')
                ~ " where source = '" ~ source ~ "'"
            ).rows[0] -%}
        {%- endif -%}
        {%- if touched_range is not none and touched_range[0] is none -%}
            false
        {%- else -%}
            {%- if touched_range is not none -%}
                {%- set first_month = touched_range[0] -%}
                {%- set last_month = touched_range[1] -%}
                {%- set after_last_month = last_month.replace(year=last_month.year + 1, month=1, day=1)
                    if last_month.month == 12 else last_month.replace(month=last_month.month + 1, day=1) -%}
                {{ date_column }} >= cast('{{ first_month.isoformat()[:10] }}' as date)
                and {{ date_column }} < cast('{{ after_last_month.isoformat()[:10] }}' as date)
                and
            {%- endif %} exists (
                select 1
                from {{ ref('int_touched_periods') }} as touched
                where touched.source = '{{ source }}'
                    and touched.county_code is not distinct from {{ county_column }}
                    and touched.month_start_date = {{ month_start(date_column) }}
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
