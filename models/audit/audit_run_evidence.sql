-- Run evidence, append-only: one row per dbt run and extract table, with
-- the file read (path, size, MD5), the extract date, where the table's raw
-- rows went (extract_row_accounting) and the earlier runs this one recovered
-- from (they died before restating their load). Never rebuilt by
-- --full-refresh.
{{ config(
    materialized='incremental',
    unique_key='run_evidence_id',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

with

accounting as (

    select
        table_name,
        raw_rows,
        staged_rows,
        collapsed_rows,
        superseded_rows,
        quarantined_rows
    from {{ ref('extract_row_accounting') }}

),

files as (

    select
        table_name,
        file_path,
        file_bytes,
        file_md5
    from {{ ref('stg_load__extract_files') }}

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

load_state as (

    select unfinished_run_ids from {{ ref('stg_load__load_state') }}

),

final as (

    select
        {{ dbt.concat([
            "'" ~ invocation_id ~ "'", "'|'", 'accounting.table_name',
        ]) }} as run_evidence_id,
        '{{ invocation_id }}' as run_id,
        {{ audit_run_started_at() }} as run_started_at,
        extract_date.extract_date,
        accounting.table_name,
        files.file_path,
        files.file_bytes,
        files.file_md5,
        accounting.raw_rows,
        accounting.staged_rows,
        accounting.collapsed_rows,
        accounting.superseded_rows,
        accounting.quarantined_rows,
        load_state.unfinished_run_ids as recovered_from_run_ids
    from accounting
    cross join extract_date
    cross join load_state
    left join files on accounting.table_name = files.table_name

)

select * from final
