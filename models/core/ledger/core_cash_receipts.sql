-- One row per validated cash receipt: amount in receipt and reporting
-- currency (the receipt_date's rate), reversal, and at the extract date what
-- of it was applied and what is still unapplied (zero once reversed).
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['receipt', 'receipt_id']],
) }}

with

receipts as (

    select
        receipt_id,
        customer_id,
        company_code,
        currency_code,
        receipt_date,
        amount_receipt,
        payment_method,
        receipt_status,
        is_reversed,
        reversal_date,
        fx_rate_to_reporting,
        fx_quote_date
    from {{ ref('int_cash_receipts_validated') }}
    {{ restated_only() }}

),

unapplied_events as (

    select
        source_id,
        event_type,
        amount_transaction_change
    from {{ ref('int_unapplied_balance_events') }}
    where balance_kind = 'unapplied_cash'
    {{ restated_only([['receipt', 'source_id']], keyword='and') }}

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

per_receipt as (

    select
        source_id as receipt_id,
        -sum(case when event_type in ('cash_applied', 'application_reversed')
                then amount_transaction_change
            else 0
        end)
            as applied_amount_receipt,
        sum(amount_transaction_change) as unapplied_amount_receipt
    from unapplied_events
    group by 1

),

final as (

    select
        receipts.receipt_id,
        receipts.customer_id,
        receipts.customer_id is null as is_unidentified,
        receipts.company_code,
        receipts.currency_code,
        receipts.receipt_date,
        receipts.payment_method,
        receipts.receipt_status,
        receipts.is_reversed,
        receipts.reversal_date,
        receipts.fx_quote_date,
        receipts.fx_rate_to_reporting,
        cast(receipts.amount_receipt as decimal(18, 4)) as amount_receipt,
        cast(coalesce(per_receipt.applied_amount_receipt, 0) as decimal(18, 4))
            as applied_amount_receipt,
        cast(
            coalesce(per_receipt.unapplied_amount_receipt, 0)
            as decimal(18, 4)
        ) as unapplied_amount_receipt,
        {{ to_reporting(
            'receipts.amount_receipt',
            'receipts.fx_rate_to_reporting'
        ) }}
            as amount_reporting,
        {{ to_reporting(
            'coalesce(per_receipt.unapplied_amount_receipt, 0)',
            'receipts.fx_rate_to_reporting'
        ) }} as unapplied_amount_reporting
    from receipts
    cross join extract_date
    left join per_receipt
        on receipts.receipt_id = per_receipt.receipt_id
    where receipts.receipt_date <= extract_date.extract_date

)

select * from final
