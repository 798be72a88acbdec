-- One row per event that moves what a customer has paid or been credited but
-- not yet applied, in transaction and reporting currency:
--   credit memos (unapplied credits, negative): issued (amount, negative),
--     applied (+ what was applied from it), at the credit memo's rate
--   receipts (unapplied cash, positive): received (+ amount), applied (-),
--     and on the reversal_date the receipt and its counted applications are
--     undone (- amount, + applied), at the receipt's rate
-- Unidentified cash (no customer) is unapplied cash without a customer.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['receipt', 'source_id'], ['document', 'source_id']],
) }}

with

documents as (

    select
        document_id,
        customer_id,
        company_code,
        currency_code,
        document_date,
        amount_document,
        fx_rate_to_reporting
    from {{ ref('int_ar_documents_validated') }}
    where document_type = 'CM'
    {{ restated_only(
        [['receipt', 'document_id'], ['document', 'document_id']], keyword='and'
    ) }}

),

receipts as (

    select
        receipt_id,
        customer_id,
        company_code,
        currency_code,
        receipt_date,
        amount_receipt,
        reversal_date,
        fx_rate_to_reporting
    from {{ ref('int_cash_receipts_validated') }}
    {{ restated_only([['receipt', 'receipt_id'], ['document', 'receipt_id']]) }}

),

applications as (

    -- An application dated before its target document takes effect on the
    -- document's date (contract v2), on both sides of the ledger; whether a
    -- reversal undid it is decided by its own date, as for AR.
    select
        applications.application_id,
        applications.source_type,
        applications.source_id,
        applications.applied_amount_document,
        applications.application_date,
        greatest(applications.application_date, targets.document_date)
            as effective_date
    from {{ ref('int_cash_applications_validated') }} as applications
    inner join {{ ref('int_ar_documents_validated') }} as targets
        on applications.document_id = targets.document_id
    {{ restated_only() }}

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

credit_memo_events as (

    select
        document_id as source_id,
        document_id as event_source_id,
        'credit_memo_issued' as event_type,
        document_date as event_date,
        amount_document as amount_transaction_change
    from documents

    union all

    select
        source_id,
        application_id as event_source_id,
        'credit_memo_applied' as event_type,
        effective_date as event_date,
        applied_amount_document as amount_transaction_change
    from applications
    where source_type = 'credit_memo'

),

receipt_applications as (

    select
        applications.application_id,
        applications.source_id,
        applications.effective_date,
        applications.applied_amount_document,
        receipts.reversal_date
    from applications
    inner join receipts
        on applications.source_id = receipts.receipt_id
    where
        applications.source_type = 'receipt'
        and (
            receipts.reversal_date is null
            or applications.application_date < receipts.reversal_date
        )

),

receipt_events as (

    select
        receipt_id as source_id,
        receipt_id as event_source_id,
        'cash_received' as event_type,
        receipt_date as event_date,
        amount_receipt as amount_transaction_change
    from receipts

    union all

    select
        receipt_id as source_id,
        receipt_id as event_source_id,
        'cash_reversed' as event_type,
        reversal_date as event_date,
        -amount_receipt as amount_transaction_change
    from receipts
    where reversal_date is not null

    union all

    select
        source_id,
        application_id as event_source_id,
        'cash_applied' as event_type,
        effective_date as event_date,
        -applied_amount_document as amount_transaction_change
    from receipt_applications

    union all

    select
        source_id,
        application_id as event_source_id,
        'application_reversed' as event_type,
        -- Never before the application took effect (as in AR).
        greatest(reversal_date, effective_date) as event_date,
        applied_amount_document as amount_transaction_change
    from receipt_applications
    where reversal_date is not null

),

events as (

    select
        credit_memo_events.*,
        'unapplied_credit' as balance_kind,
        documents.customer_id,
        documents.company_code,
        documents.currency_code,
        documents.fx_rate_to_reporting
    from credit_memo_events
    inner join documents
        on credit_memo_events.source_id = documents.document_id

    union all

    select
        receipt_events.*,
        'unapplied_cash' as balance_kind,
        receipts.customer_id,
        receipts.company_code,
        receipts.currency_code,
        receipts.fx_rate_to_reporting
    from receipt_events
    inner join receipts
        on receipt_events.source_id = receipts.receipt_id

),

dated_events as (

    select
        events.*,
        {{ dbt.concat(["events.balance_kind", "':'", "events.source_id"]) }}
            as source_key
    from events
    cross join extract_date
    where events.event_date <= extract_date.extract_date

),

-- An event's reporting amount is the change it makes to the receipt's
-- or credit memo's unapplied balance converted, so the changes add up
-- to the converted balance exactly. Receipt and credit memo ids are
-- separate namespaces in an ERP: source_key tells them apart.
final as (

    {{ converted_changes(
        'dated_events',
        balance_key='source_key',
        change='amount_transaction_change',
        order_key='event_source_id',
        opening_event_types=['credit_memo_issued', 'cash_received'],
        columns=[
            dbt.concat(["event_source_id", "'|'", "event_type"])
            ~ ' as unapplied_event_id',
            'source_key', 'source_id', 'balance_kind', 'event_type',
            'event_date', 'customer_id', 'company_code', 'currency_code',
            'amount_transaction_change',
        ],
    ) }}

)

select * from final
