-- One row per validated application of a receipt or credit memo to an
-- invoice or debit memo, in document and reporting currency (the target
-- document's rate). An application of a receipt that was later reversed
-- counts until the day before the reversal_date (is_undone_by_reversal);
-- one dated on or after the reversal never counted (is_counted false).
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['document', 'document_id'], ['receipt', 'source_id'], ['document', 'source_id']],
) }}

with

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

documents as (

    select
        document_id,
        customer_id,
        company_code,
        currency_code,
        document_date,
        fx_rate_to_reporting
    from {{ ref('int_ar_documents_validated') }}

),

receipts as (

    select
        receipt_id,
        receipt_date,
        reversal_date
    from {{ ref('int_cash_receipts_validated') }}

),

with_receipts as (

    -- Keys only in the join; the source type picks receipt columns.
    select
        applications.*,
        case
            when applications.source_type = 'receipt'
                then receipts.receipt_date
        end as receipt_date,
        case
            when applications.source_type = 'receipt'
                then receipts.reversal_date
        end as reversal_date
    from applications
    left join receipts
        on applications.source_id = receipts.receipt_id

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

final as (

    select
        applications.application_id,
        applications.document_id,
        documents.customer_id,
        documents.company_code,
        documents.currency_code,
        applications.source_type,
        applications.source_id,
        applications.application_date,
        applications.receipt_date,
        applications.reversal_date,
        cast(applications.applied_amount_document as decimal(18, 4))
            as applied_amount_document,
        cast(applications.discount_amount_document as decimal(18, 4))
            as discount_amount_document,
        applications.reversal_date is not null
        and applications.application_date
        < applications.reversal_date as is_undone_by_reversal,
        applications.reversal_date is null
        or applications.application_date
        < applications.reversal_date as is_counted,
        {{ to_reporting(
            'applications.applied_amount_document', 'documents.fx_rate_to_reporting'
        ) }} as applied_amount_reporting,
        {{ to_reporting(
            'applications.discount_amount_document', 'documents.fx_rate_to_reporting'
        ) }} as discount_amount_reporting,
        -- Flag (contract v2): dated before its target document; it takes
        -- effect on the document's date (int_ar_balance_events).
        applications.application_date
        < documents.document_date as is_dated_before_document,
        case
            when applications.source_type = 'receipt'
                then {{ days_between(
                    'applications.receipt_date', 'applications.application_date'
                ) }}
        end as days_from_receipt_to_application
    from with_receipts as applications
    inner join documents
        on applications.document_id = documents.document_id
    cross join extract_date
    where applications.application_date <= extract_date.extract_date

)

select * from final
