-- Incremental: its restatement reads what the loader changed.
-- depends_on: {{ source('rpm_load', '_changed_rows') }}
-- depends_on: {{ source('rpm_load', '_load_state') }}
{{ stage_contract_table(
    'working_capital',
    raw=source('erp', 'working_capital'),
    code_sets=ref('code_sets'),
    currencies=ref('iso_currencies'),
    countries=ref('iso_countries'),
) }}
