-- Every staged receipt with its cross-table checks: a receipt that names a
-- customer must name a staged one (unidentified cash names none), and its
-- currency needs a usable rate to the reporting currency on the receipt_date.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['receipt', 'receipt_id']],
) }}
{{ check_references(
    ref('stg_erp__cash_receipts'),
    references=[{
        'column': 'customer_id', 'to': ref('stg_erp__customers'),
        'to_column': 'customer_id', 'label': 'a staged customer',
        'optional': true,
    }],
    fx_date='receipt_date',
    fx_rates=ref('int_fx_rates_resolved'),
) }}
