-- A dispute must be about a validated document of a staged customer; a
-- dispute of a quarantined document is quarantined with it.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['document', 'document_id'], ['customer', 'customer_id']],
) }}
{{ check_references(
    ref('stg_erp__disputes'),
    references=[
        {
            'column': 'document_id', 'to': ref('int_ar_documents_validated'),
            'to_column': 'document_id', 'label': 'a validated document',
        },
        {
            'column': 'customer_id', 'to': ref('stg_erp__customers'),
            'to_column': 'customer_id', 'label': 'a staged customer',
        },
    ],
) }}
