-- Adjustments must reduce a validated invoice or debit memo; an adjustment
-- of a quarantined document is quarantined with it (orphan_reference).
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
    ref('stg_erp__adjustments'),
    references=[{
        'column': 'document_id', 'to': ref('int_ar_documents_validated'),
        'to_column': 'document_id', 'filter': "document_type in ('INV', 'DM')",
        'label': 'a validated INV or DM',
    }],
) }}
