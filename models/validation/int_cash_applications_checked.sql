-- Every staged application with its cross-table checks, first failure wins:
--   the target must be a validated INV or DM              (orphan_reference)
--   the source must be a validated receipt, or a validated
--   CM when source_type = 'credit_memo'                   (orphan_reference)
--   source and target must share a currency     (cross_currency_application)
-- So quarantining a document or receipt also quarantines its applications.
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

    select * from {{ ref('stg_erp__cash_applications') }}
    {{ restated_only() }}

),

documents as (

    select
        document_id,
        document_type,
        currency_code
    from {{ ref('int_ar_documents_validated') }}

),

receipts as (

    select
        receipt_id,
        currency_code
    from {{ ref('int_cash_receipts_validated') }}

),

joined as (

    select
        applications.*,
        targets.currency_code as target_currency_code,
        case
            when applications.source_type = 'receipt'
                then receipts.currency_code
            else credit_memos.currency_code
        end as source_currency_code
    from applications
    left join documents as targets
        on
            applications.document_id = targets.document_id
            and targets.document_type in ('INV', 'DM')
    -- Join on keys only (a condition on the left side alone would turn the
    -- join into a nested loop); the CASE above picks the source by type.
    left join receipts
        on applications.source_id = receipts.receipt_id
    left join documents as credit_memos
        on
            applications.source_id = credit_memos.document_id
            and credit_memos.document_type = 'CM'

),

checked as (

    select
        *,
        case
            when target_currency_code is null then 'orphan_reference'
            when source_currency_code is null then 'orphan_reference'
            when source_currency_code <> target_currency_code
                then 'cross_currency_application'
        end as quarantine_reason,
        case
            when target_currency_code is null then 'document_id'
            when source_currency_code is null then 'source_id'
            when source_currency_code <> target_currency_code then 'source_id'
        end as quarantine_column,
        case
            when target_currency_code is null then document_id
            when source_currency_code is null then source_id
            when source_currency_code <> target_currency_code then source_id
        end as quarantine_value,
        case
            when target_currency_code is null
                then {{ dbt.concat(["'document_id '", "document_id",
                    "' is not a validated INV or DM'"]) }}
            when source_currency_code is null
                then {{ dbt.concat(["'source_id '", "source_id",
                    "' is not a validated '", "source_type"]) }}
            when source_currency_code <> target_currency_code
                then {{ dbt.concat(["source_type", "' in '",
                    "source_currency_code", "' applied to a document in '",
                    "target_currency_code"]) }}
        end as quarantine_detail
    from joined

)

select * from checked
