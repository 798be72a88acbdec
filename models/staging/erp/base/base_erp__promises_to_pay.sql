{{ stage_contract_table('promises_to_pay') }}
