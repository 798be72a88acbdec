{#- dbt grants (dbt_project.yml) give the readers SELECT on each relation;
    a Postgres role also needs USAGE on its schema. BI readers: marts;
    auditors: marts, staging, quarantine and audit. Nothing else (raw,
    intermediate, seeds) and no CREATE anywhere. Runs as on-run-end. -#}
{% macro grant_schema_usage() %}
    {{ return(adapter.dispatch('grant_schema_usage', 'rpm')()) }}
{% endmacro %}

{% macro default__grant_schema_usage() %}
    {{ return('') }}
{% endmacro %}

{% macro postgres__grant_schema_usage() %}
    {%- set bi_reader = env_var('RPM_PG_BI_ROLE', 'rpm_bi_reader') -%}
    {%- set auditor = env_var('RPM_PG_AUDITOR_ROLE', 'rpm_auditor') -%}
    {%- set readers = {
        rpm.schema_name('marts'): [bi_reader, auditor],
        rpm.schema_name('staging'): [auditor],
        rpm.schema_name('quarantine'): [auditor],
        rpm.schema_name('audit'): [auditor],
    } -%}
    do $$
    begin
    {%- for schema, roles in readers.items() %}
        if exists (select from pg_namespace where nspname = '{{ schema }}') then
            grant usage on schema {{ schema }} to {{ roles | join(', ') }};
        end if;
    {%- endfor %}
    end
    $$;
{% endmacro %}
