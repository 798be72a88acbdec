-- Every staged receipt with its cross-table checks: a receipt that names a
-- customer must name a staged one (unidentified cash names none), and its
-- currency needs a usable rate to the reporting currency on the receipt_date.
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
) }}
