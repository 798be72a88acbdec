-- Incremental: its restatement reads what the loader changed.
-- depends_on: {{ source('rpm_load', '_changed_rows') }}
-- depends_on: {{ source('rpm_load', '_load_state') }}
{{ stage_contract_table(
    'ar_document_lines',
    raw=source('erp', 'ar_document_lines'),
    code_sets=ref('code_sets'),
    currencies=ref('iso_currencies'),
    countries=ref('iso_countries'),
) }}
