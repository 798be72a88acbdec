-- When each balance event (document issued, cash or credit applied,
-- discount, adjustment, write-off, reversal: int_ar_balance_events) was
-- first seen in an extract, append-only. An event whose date or amount
-- changes in a later extract is a new fingerprint, seen then. The
-- restatement report names as causes the events first seen after a value
-- was first reported. Never rebuilt by --full-refresh.
{{ config(
    materialized='incremental',
    unique_key='event_fingerprint',
    full_refresh=false,
) }}

with

events as (

    select
        {{ dbt.hash(dbt.concat([
            'balance_event_id', "'|'",
            dbt.cast('event_date', dbt.type_string()), "'|'",
            dbt.cast('amount_document_change', dbt.type_string()),
        ])) }} as event_fingerprint,
        balance_event_id,
        document_id,
        source_id,
        event_type,
        event_date,
        company_code,
        customer_id,
        amount_document_change,
        amount_reporting_change
    from {{ ref('int_ar_balance_events') }}

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

final as (

    select
        events.*,
        '{{ invocation_id }}' as first_seen_run_id,
        {{ audit_run_started_at() }} as first_seen_at,
        extract_date.extract_date as first_seen_extract_date
    from events
    cross join extract_date
    {%- if is_incremental() %}
        where
            events.event_fingerprint not in (
                select seen.event_fingerprint from {{ this }} as seen
            )
    {%- endif %}

)

select * from final
