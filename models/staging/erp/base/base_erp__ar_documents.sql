{#- Signs: invoices and debit memos increase receivables, credit memos
    decrease them (erp_extract_contract.md, sign convention). -#}
{{ stage_contract_table('ar_documents', extra_checks=[
    {
        'condition': "(document_type in ('INV', 'DM') and amount < 0)"
            ~ " or (document_type = 'CM' and amount > 0)",
        'reason': 'wrong_sign',
        'column': 'amount',
    },
    {
        'condition': 'due_date < document_date',
        'reason': 'due_before_document_date',
        'column': 'due_date',
    },
]) }}
