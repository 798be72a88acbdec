{{ stage_contract_table('customers') }}
