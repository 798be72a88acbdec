{#- A reversed receipt must say when it was reversed: the applications it
    funded are undone from that date. -#}
-- Incremental: its restatement reads what the loader changed.
-- depends_on: {{ source('rpm_load', '_changed_rows') }}
-- depends_on: {{ source('rpm_load', '_load_state') }}
{{ stage_contract_table(
    'cash_receipts',
    raw=source('erp', 'cash_receipts'),
    code_sets=ref('code_sets'),
    currencies=ref('iso_currencies'),
    countries=ref('iso_countries'),
    extra_checks=[
        {
            'condition': "status = 'reversed' and reversal_date is null",
            'reason': 'missing_required_value',
            'column': 'reversal_date',
        },
    ],
) }}
