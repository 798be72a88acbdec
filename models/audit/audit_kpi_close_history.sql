-- Close history, append-only: the KPI values of closed periods as each run
-- reported them, with the run and the extract date they were computed from.
-- A value is recorded the first time its period is seen closed and again
-- whenever it changes (by more than 1e-6), so the first row per
-- kpi_value_id is what was reported at close. Never rebuilt by
-- --full-refresh.
{{ config(
    materialized='incremental',
    unique_key='kpi_close_history_id',
    full_refresh=false,
) }}

with

closed_values as (

    select
        kpi_value_id,
        period_grain,
        period_start_date,
        period_end_date,
        segment_type,
        segment_value,
        kpi_name,
        kpi_variant,
        kpi_value,
        unit
    from {{ ref('int_kpi_values') }}
    where is_closed

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

{% if is_incremental() %}

    recorded as (

        select
            kpi_value_id,
            kpi_value,
            row_number() over (
                partition by kpi_value_id order by run_started_at desc
            ) as recency
        from {{ this }}

    ),

{% endif %}

new_or_changed as (

    select closed_values.*
    from closed_values
    {%- if is_incremental() %}
        left join recorded
            on
                closed_values.kpi_value_id = recorded.kpi_value_id
                and recorded.recency = 1
        where
            recorded.kpi_value_id is null
            or (closed_values.kpi_value is null) <> (recorded.kpi_value is null)
            or abs(closed_values.kpi_value - recorded.kpi_value) > 1e-6
    {%- endif %}

),

final as (

    select
        {{ dbt.concat([
            "'" ~ invocation_id ~ "'", "'|'", 'new_or_changed.kpi_value_id',
        ]) }} as kpi_close_history_id,
        '{{ invocation_id }}' as run_id,
        {{ audit_run_started_at() }} as run_started_at,
        extract_date.extract_date,
        new_or_changed.*
    from new_or_changed
    cross join extract_date

)

select * from final
