-- Lines belong to a validated document; the lines of a quarantined document
-- are quarantined with it.
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
    ref('stg_erp__ar_document_lines'),
    references=[{
        'column': 'document_id', 'to': ref('int_ar_documents_validated'),
        'to_column': 'document_id', 'label': 'a validated document',
    }],
) }}
