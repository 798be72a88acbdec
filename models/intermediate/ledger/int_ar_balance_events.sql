-- One row per event that moves the open balance of an invoice or debit memo,
-- in document and reporting currency (the document's historical rate):
--   issued              + amount, on the document_date
--   cash_applied        - applied from a receipt, on the application_date
--   credit_memo_applied - applied from a credit memo
--   discount            - early-payment discount granted with an application
--   reversal            + what an application (and its discount) took off,
--                         on its receipt's reversal_date: the application is
--                         undone from that day on
--   write_off, small_balance, other_adjustment  - adjustments
-- An application dated on or after its receipt's reversal never counted and
-- is left out. Nothing dated after the extract date exists.
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
        applied_amount_document
        + discount_amount_document as amount_document_change
    from counted_applications
    where reversal_date is not null

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

final as (

    select
        {{ dbt.concat(["events.source_id", "'|'", "events.event_type"]) }}
            as balance_event_id,
        events.document_id,
        events.source_id,
        events.event_type,
        events.event_date,
        documents.document_type,
        documents.company_code,
        documents.customer_id,
        events.amount_document_change,
        events.amount_document_change
        * documents.fx_rate_to_reporting as amount_reporting_change
    from events
    inner join documents
        on events.document_id = documents.document_id
    cross join extract_date
    where events.event_date <= extract_date.extract_date

)

select * from final
