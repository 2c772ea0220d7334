{# Pre-hook of an aggregate mart incremental by period: delete its rows of the periods new
   loads touched (`matches`: a condition on `target`, the mart's row, and `touched`, a row of
   int_touched_periods); the run then appends them recomputed. A period with no row left
   stays deleted. #}
{% macro delete_touched_periods(matches) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as target
        where exists (
            select 1
            from {{ ref('int_touched_periods') }} as touched
            where {{ matches }}
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
