{# Pre-hook of fct_market_failed_items: on incremental runs, drop the items of samples that have a newer version. #}
{% macro delete_items_of_resampled_samples() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where sample_id in (
            select sample_id
            from {{ ref('stg_market_regulation__market_sampling') }}
            where load_id > {{ load_id_watermark() }}
        )
    {%- endif -%}
{%- endmacro %}
