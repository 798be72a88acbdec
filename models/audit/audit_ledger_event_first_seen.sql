-- When each balance event was first seen in an extract, append-only: the
-- events of AR (INV/DM issued, cash or credit applied, discount,
-- adjustment, write-off, reversal: int_ar_balance_events) and of unapplied
-- balances (credit memos issued and applied, receipts received, applied and
-- reversed: int_unapplied_balance_events). An event whose date or amount
-- changes in a later extract is a new fingerprint, seen then. The
-- restatement report names as causes the events first seen after a value
-- was first reported. Never rebuilt by --full-refresh.
{{ config(
    materialized='incremental',
    unique_key='event_fingerprint',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

with

ar_events as (

    select
        'ar' as balance_kind,
        events.balance_event_id,
        events.document_id,
        events.source_id,
        events.event_type,
        events.event_date,
        events.company_code,
        events.customer_id,
        documents.currency_code,
        events.amount_document_change as amount_transaction_change,
        events.amount_reporting_change
    from {{ ref('int_ar_balance_events') }} as events
    inner join {{ ref('int_ar_documents_validated') }} as documents
        on events.document_id = documents.document_id

),

unapplied_events as (

    select
        balance_kind,
        {{ dbt.concat(["balance_kind", "':'", "unapplied_event_id"]) }}
            as balance_event_id,
        case
            when balance_kind = 'unapplied_credit' then source_id
        end as document_id,
        source_id,
        event_type,
        event_date,
        company_code,
        customer_id,
        currency_code,
        amount_transaction_change,
        amount_reporting_change
    from {{ ref('int_unapplied_balance_events') }}

),

all_events as (

    select * from ar_events
    union all
    select * from unapplied_events

),

events as (

    select
        {{ dbt.hash(dbt.concat([
            'balance_event_id', "'|'",
            dbt.cast('event_date', dbt.type_string()), "'|'",
            dbt.cast('amount_transaction_change', dbt.type_string()),
        ])) }} as event_fingerprint,
        *
    from all_events

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
        -- NOT EXISTS, not NOT IN: Postgres runs NOT IN over a subquery
        -- larger than work_mem as a scan per row (20+ min at 1 M invoices).
        where not exists (
            select 1 from {{ this }} as seen
            where seen.event_fingerprint = events.event_fingerprint
        )
    {%- endif %}

)

select * from final
