{# A dict that lives as long as this dbt invocation, for values a build would otherwise
   query once per data test: the watermark (built_load_id), the columns of a relation
   (relation_column_names: a tested relation's load id column, the columns a latest-version
   query lists) and the views the facts materialize (new_rows.sql). Four hundred tests made ~530 such metadata queries a
   build, each with its events and a result table: ~15 % of a build's CPU (31.9 -> 27.3 s).

   `graph` (dbt's flat graph) is the one dict every node of an invocation shares, and every
   invocation builds its own (from the parsed manifest), so nothing carries over from one
   run to the next, not even within one process (dbtRunner, Cosmos). Two threads filling
   the same entry at once compute the same value. #}
{% macro run_memo() -%}
    {%- if 'qcity_run_memo' not in graph -%}
        {%- do graph.update({'qcity_run_memo': {}}) -%}
    {%- endif -%}
    {{- return(graph['qcity_run_memo']) -}}
{%- endmacro %}
