{{ stage_contract_table('adjustments') }}
