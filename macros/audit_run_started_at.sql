{#- The current dbt invocation's start (UTC) as a SQL timestamp: the time
    the audit tables record a run by. -#}
{% macro audit_run_started_at() %}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
