-- Lines belong to a validated document; the lines of a quarantined document
-- are quarantined with it.
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
