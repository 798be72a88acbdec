-- One row per event that moves the open balance of an invoice or debit memo,
-- in document and reporting currency (the document's historical rate):
--   issued              + amount, on the document_date
--   cash_applied        - applied from a receipt, on the application_date
--   credit_memo_applied - applied from a credit memo
--   discount            - early-payment discount granted with an application
--   reversal            + what an application took off, on its receipt's
--                         reversal_date: the application is undone from that
--                         day on
--   discount_reversal   + the discount granted with that application, on the
--                         same day (the settlement mix nets it from discounts)
--   write_off, small_balance, other_adjustment  - adjustments
--   recovery            + what cash or a credit took below zero while a
--                         write-off remained to reverse (v2 Recoveries);
--                         negative when a reversal reopens the write-off
-- An application dated on or after its receipt's reversal never counted and
-- is left out. An event takes effect on the later of its own date and the
-- document's. Nothing dated after the extract date exists.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['document', 'document_id']],
) }}

with

documents as (

    select
        document_id,
        document_type,
        company_code,
        customer_id,
        document_date,
        amount_document,
        fx_rate_to_reporting
    from {{ ref('int_ar_documents_validated') }}
    where document_type in ('INV', 'DM')
    {{ restated_only(keyword='and') }}

),

applications as (

    select
        application_id,
        document_id,
        source_type,
        source_id,
        application_date,
        applied_amount_document,
        discount_amount_document
    from {{ ref('int_cash_applications_validated') }}
    {{ restated_only() }}

),

receipts as (

    select
        receipt_id,
        reversal_date
    from {{ ref('int_cash_receipts_validated') }}
    where is_reversed

),

adjustments as (

    select
        adjustment_id,
        document_id,
        adjustment_date,
        adjustment_type,
        adjustment_amount_document
    from {{ ref('int_adjustments_validated') }}
    {{ restated_only() }}

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

counted_applications as (

    -- Keys only in the join (a left-side condition makes a nested loop);
    -- receipts holds reversed receipts only, and only receipts reverse.
    select
        applications.*,
        case
            when applications.source_type = 'receipt'
                then receipts.reversal_date
        end as reversal_date
    from applications
    left join receipts
        on applications.source_id = receipts.receipt_id
    where
        applications.source_type <> 'receipt'
        or receipts.reversal_date is null
        or applications.application_date < receipts.reversal_date

),

events as (

    select
        document_id,
        document_id as source_id,
        'issued' as event_type,
        document_date as event_date,
        amount_document as amount_document_change
    from documents

    union all

    select
        document_id,
        application_id as source_id,
        case
            when source_type = 'receipt' then 'cash_applied'
            else 'credit_memo_applied'
        end as event_type,
        application_date as event_date,
        -applied_amount_document as amount_document_change
    from counted_applications

    union all

    select
        document_id,
        application_id as source_id,
        'discount' as event_type,
        application_date as event_date,
        -discount_amount_document as amount_document_change
    from counted_applications
    where discount_amount_document <> 0

    union all

    select
        document_id,
        application_id as source_id,
        'reversal' as event_type,
        reversal_date as event_date,
        applied_amount_document as amount_document_change
    from counted_applications
    where reversal_date is not null

    union all

    select
        document_id,
        application_id as source_id,
        'discount_reversal' as event_type,
        reversal_date as event_date,
        discount_amount_document as amount_document_change
    from counted_applications
    where reversal_date is not null and discount_amount_document <> 0

    union all

    select
        document_id,
        adjustment_id as source_id,
        case
            when adjustment_type = 'other' then 'other_adjustment'
            else adjustment_type
        end as event_type,
        adjustment_date as event_date,
        -adjustment_amount_document as amount_document_change
    from adjustments

),

effective_events as (

    -- An event dated before its document (an application entered against
    -- an invoice posted later) takes effect on the document's date
    -- (contract v2).
    select
        events.document_id,
        events.source_id,
        events.event_type,
        greatest(events.event_date, documents.document_date) as event_date,
        events.amount_document_change
    from events
    inner join documents
        on events.document_id = documents.document_id
    cross join extract_date
    where
        greatest(events.event_date, documents.document_date)
        <= extract_date.extract_date

),

written_off_documents as (

    -- Only a document with a write-off can recover anything.
    select distinct document_id
    from effective_events
    where event_type = 'write_off'

),

written_off_events as (

    select effective_events.*
    from effective_events
    inner join written_off_documents
        on effective_events.document_id = written_off_documents.document_id

),

daily_balances as (

    -- Per written-off document and day: the v1 balance raw(t) and the
    -- write-offs W(t) to date.
    select
        document_id,
        event_date,
        sum(sum(amount_document_change)) over (
            partition by document_id
            order by event_date
            rows between unbounded preceding and current row
        ) as raw_balance_document,
        sum(
            sum(
                case
                    when event_type = 'write_off' then -amount_document_change
                    else 0
                end
            )
        ) over (
            partition by document_id
            order by event_date
            rows between unbounded preceding and current row
        ) as written_off_document
    from written_off_events
    group by 1, 2

),

recovered as (

    -- Recoveries (v2): recovered(t) = min(W(t), max(0, -raw(t))): cash or a
    -- credit that arrives after a write-off takes the balance back to zero,
    -- not below, while written-off amount remains to reverse; a reversal of
    -- that cash reopens the write-off by itself (recovered falls).
    select
        document_id,
        event_date,
        least(
            written_off_document, greatest(0, -raw_balance_document)
        ) as recovered_document
    from daily_balances

),

recovery_events as (

    select
        document_id,
        {{ dbt.concat([
            'document_id', "'@'", dbt.cast('event_date', dbt.type_string())
        ]) }} as source_id,
        'recovery' as event_type,
        event_date,
        recovered_document - coalesce(lag(recovered_document) over (
            partition by document_id order by event_date
        ), 0) as amount_document_change
    from recovered

),

all_events as (

    select * from effective_events

    union all

    select * from recovery_events
    where amount_document_change <> 0

),

with_documents as (

    select
        all_events.*,
        documents.document_type,
        documents.company_code,
        documents.customer_id,
        documents.fx_rate_to_reporting
    from all_events
    inner join documents
        on all_events.document_id = documents.document_id

),

-- An event's reporting amount is the change it makes to the document's
-- balance converted: a settled document is 0 in both currencies and AR
-- moves by exactly its events.
final as (

    {{ converted_changes(
        'with_documents',
        balance_key='document_id',
        change='amount_document_change',
        order_key='source_id',
        opening_event_types=['issued'],
        columns=[
            dbt.concat(["source_id", "'|'", "event_type"])
            ~ ' as balance_event_id',
            'document_id', 'source_id', 'event_type', 'event_date',
            'document_type', 'company_code', 'customer_id',
            'amount_document_change',
        ],
    ) }}

)

select * from final
