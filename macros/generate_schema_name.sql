{#- Schema names are target-aware (docs/architecture.md, "Schemas per
    target"). On a production target (var rpm_prod_targets) the project
    writes the stable names that readers, grants and BI connections use:
    raw, staging, intermediate, quarantine, audit, marts_build, marts,
    seeds. On any other target (a developer's or CI's) each of them is
    prefixed with the target's schema, e.g. dev_ana_marts, so a dev build
    never writes a schema that production reads. -#}
{% macro schema_name(name) %}
    {%- if target.name in var('rpm_prod_targets') -%}
        {{ return(name) }}
    {%- endif -%}
    {{ return(target.schema ~ '_' ~ name) }}
{% endmacro %}


{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ rpm.schema_name(custom_schema_name | trim) }}
    {%- endif -%}
{%- endmacro %}
