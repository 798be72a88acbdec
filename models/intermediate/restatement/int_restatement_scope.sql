-- One row: whether this run restates the whole ledger, and the extract date
-- of the previous build. Everything is restated after a full load (first
-- build, --full-refresh, a raw table whose shape changed), when the extract
-- date is set by var (it may move against the data), or when an FX rate
-- dated on or before the previous extract date changed (rates convert
-- every later row).

with

load_state as (

    select
        is_incremental,
        previous_extract_date
    from {{ ref('stg_load__load_state') }}

),

earlier_rate_changes as (

    select count(*) as changed_rate_count
    from {{ ref('stg_load__changed_rows') }} as changed_rows
    cross join load_state
    where
        changed_rows.table_name = 'fx_rates'
        and (
            {{ rpm.parse_text('changed_rows.row_date', 'date') }} is null
            or {{ rpm.parse_text('changed_rows.row_date', 'date') }}
            <= load_state.previous_extract_date
        )

),

final as (

    select
        load_state.previous_extract_date,
        not load_state.is_incremental
        or load_state.previous_extract_date is null
        or {{ 'true' if var('extract_date') else 'false' }}
        or earlier_rate_changes.changed_rate_count > 0 as restates_everything
    from load_state
    cross join earlier_rate_changes

)

select * from final
