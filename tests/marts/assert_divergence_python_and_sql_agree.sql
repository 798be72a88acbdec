-- The Python divergence model and its SQL equivalent give the same flags:
-- every row of one is in the other with the same pattern, severity, reason,
-- response and window, and the same evidence to 1e-9. Returns the rows that
-- differ. DuckDB only (the engine with both).
-- Reads models private to the signals group.
{{ config(group='signals') }}
{{ config(enabled=target.type == 'duckdb') }}

with

python_flags as (

    select * from {{ ref('int_cei_dso_divergence_python') }}

),

sql_flags as (

    select * from {{ ref('int_cei_dso_divergence_sql') }}

),

compared as (

    select
        python_flags.pattern as python_pattern,
        sql_flags.pattern as sql_pattern,
        python_flags.reason as python_reason,
        sql_flags.reason as sql_reason,
        coalesce(python_flags.divergence_id, sql_flags.divergence_id)
            as divergence_id
    from python_flags
    full outer join sql_flags
        on python_flags.divergence_id = sql_flags.divergence_id
    where
        python_flags.divergence_id is null
        or sql_flags.divergence_id is null
        or python_flags.window_start_date <> sql_flags.window_start_date
        or python_flags.pattern <> sql_flags.pattern
        or python_flags.reason <> sql_flags.reason
        or python_flags.window_quarters <> sql_flags.window_quarters
        {%- for column in [
            'severity', 'recommended_response', 'rising_quarters',
            'min_active_accounts',
        ] %}
            or coalesce(
                cast(python_flags.{{ column }} as varchar), '~'
            ) <> coalesce(cast(sql_flags.{{ column }} as varchar), '~')
        {%- endfor %}
        {%- for column in [
            'cei_min', 'cei_max', 'cei_range', 'cei_change', 'dso_slope',
        ] %}
            or (python_flags.{{ column }} is null)
            <> (sql_flags.{{ column }} is null)
            or abs(python_flags.{{ column }} - sql_flags.{{ column }}) > 1e-9
        {%- endfor %}

)

select * from compared
