{#- Signs: invoices and debit memos increase receivables, credit memos
    decrease them (erp_extract_contract.md, sign convention). A due date
    before the document date is suspicious, not invalid (contract v2): the
    row is staged and flagged in stg_erp__ar_documents. -#}
{{ stage_contract_table('ar_documents', extra_checks=[
    {
        'condition': "(document_type in ('INV', 'DM') and amount < 0)"
            ~ " or (document_type = 'CM' and amount > 0)",
        'reason': 'wrong_sign',
        'column': 'amount',
    },
]) }}
