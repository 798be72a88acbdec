-- Auditor's trace: every raw row of one extract table and key, with what
-- happened to it (staged, collapsed, superseded or quarantined, and why).
-- Compile with the table and key as vars, e.g.
--   dbt compile --select trace_raw_row
--     --vars '{table: ar_documents, key: D000000001}'
-- then run the SQL in target/compiled/rpm/analyses/.
{%- set table_name = var('table', 'ar_documents') %}
{%- set record_key = var('key', 'D000000001') %}

with

base_rows as (

    select
        _raw_row_id,
        record_key,
        row_status,
        quarantine_reason,
        quarantine_column,
        quarantine_value
    from {{ ref('base_erp__' ~ table_name) }}
    where record_key = '{{ record_key }}'

),

quarantined as (

    select
        _raw_row_id,
        reason_code,
        layer,
        detail
    from {{ ref('quarantined_rows') }}
    where table_name = '{{ table_name }}'

),

final as (

    select
        base_rows._raw_row_id,
        base_rows.record_key,
        quarantined.layer as quarantine_layer,
        quarantined.detail as quarantine_detail,
        case
            when quarantined._raw_row_id is not null then 'quarantined'
            else base_rows.row_status
        end as final_status,
        coalesce(
            quarantined.reason_code, base_rows.quarantine_reason
        ) as reason_code
    from base_rows
    left join quarantined
        on base_rows._raw_row_id = quarantined._raw_row_id

)

select * from final
