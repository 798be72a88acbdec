{#- Custom schemas are used as named (staging, intermediate, quarantine,
    marts), not prefixed with the target schema, so that grants and BI
    connections see stable names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
