{{ stage_contract_table('cash_applications') }}
