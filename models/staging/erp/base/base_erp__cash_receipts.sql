{#- A reversed receipt must say when it was reversed: the applications it
    funded are undone from that date. -#}
{{ stage_contract_table('cash_receipts', extra_checks=[
    {
        'condition': "status = 'reversed' and reversal_date is null",
        'reason': 'missing_required_value',
        'column': 'reversal_date',
    },
]) }}
