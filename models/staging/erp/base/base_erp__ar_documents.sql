{#- Signs: invoices and debit memos increase receivables, credit memos
    decrease them (erp_extract_contract.md, sign convention). A due date
    before the document date is suspicious, not invalid (contract v2): the
    row is staged and flagged in stg_erp__ar_documents. -#}
-- Incremental: its restatement reads what the loader changed.
-- depends_on: {{ source('rpm_load', '_changed_rows') }}
-- depends_on: {{ source('rpm_load', '_load_state') }}
{{ stage_contract_table(
    'ar_documents',
    raw=source('erp', 'ar_documents'),
    code_sets=ref('code_sets'),
    currencies=ref('iso_currencies'),
    countries=ref('iso_countries'),
    extra_checks=[
        {
            'condition': "(document_type in ('INV', 'DM') and amount < 0)"
                ~ " or (document_type = 'CM' and amount > 0)",
            'reason': 'wrong_sign',
            'column': 'amount',
        },
    ],
) }}
