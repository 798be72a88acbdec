-- The build the marts come from, in one row: dbt's run id, when the run
-- started, the extract date, the MD5 of every extract file read and the
-- vars the definitions and rules were built with (readers such as the
-- dashboard state thresholds from them, never from their own copy). It is
-- published with the other marts, so a reader sees which build it reads
-- (every publication is also a row of audit.published_runs).

with

extract_date as (

    select
        extract_date,
        extract_date_source
    from {{ ref('util_extract_date') }}

),

files as (

    -- Sorted as texts table:md5, which orders them by table.
    {%- set file_md5 = dbt.concat(['table_name', "':'", 'file_md5']) %}
    select {{ sorted_text_list(file_md5, ', ') }} as extract_file_md5s
    from {{ ref('stg_load__extract_files') }}

),

final as (

    select
        '{{ invocation_id }}' as run_id,
        {{ audit_run_started_at() }} as run_started_at,
        extract_date.extract_date,
        extract_date.extract_date_source,
        files.extract_file_md5s,
        {%- set build_vars = {} %}
        {%- for name in [
            'reporting_currency', 'past_due_kpi_days', 'min_active_accounts',
            'statement_window_days', 'first_call_days_past_due',
            'first_call_business_days', 'credit_hold_days_past_due',
            'promise_grace_days', 'promise_tolerance', 'divergence_window',
            'divergence_cei_floor', 'divergence_cei_band', 'divergence_min_slope',
            'forecast_max_days_past_due', 'loss_lookback_months', 'close_lag_days',
            'terms_grace_days',
        ] %}
            {%- do build_vars.update({name: var(name)}) %}
        {%- endfor %}
        '{{ tojson(build_vars, sort_keys=true) | replace("'", "''") }}'
            as build_vars
    from extract_date
    cross join files

)

select * from final
