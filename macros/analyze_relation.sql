{#- Postgres plans joins from table statistics, and a table dbt has just
    created has none until autovacuum gets to it: the planner then guesses
    (a 1:1 join estimated at millions of rows) and picks nested loops. A
    post-hook analyzes every table model. No-op on other engines. -#}
{% macro analyze_relation() %}
    {{ return(adapter.dispatch('analyze_relation', 'rpm')()) }}
{% endmacro %}

{% macro default__analyze_relation() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__analyze_relation() %}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
