{# Pre-hook of fct_market_failed_items: on incremental runs, drop the items of samples that have a newer version. #}
{% macro delete_items_of_resampled_samples() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ has_new_version('sample_id', ref('base_market_regulation__market_sampling')) }}
    {%- endif -%}
{%- endmacro %}
