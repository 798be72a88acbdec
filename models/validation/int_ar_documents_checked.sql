-- Every staged document with its cross-table checks: its customer must be a
-- staged customer, and its currency needs a usable rate to the reporting
-- currency on the document_date. int_ar_documents_validated keeps the rows
-- without a quarantine_reason; the others go to quarantine.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['document', 'document_id']],
) }}
{{ check_references(
    ref('stg_erp__ar_documents'),
    references=[{
        'column': 'customer_id', 'to': ref('stg_erp__customers'),
        'to_column': 'customer_id', 'label': 'a staged customer',
    }],
    fx_date='document_date',
    fx_rates=ref('int_fx_rates_resolved'),
) }}
