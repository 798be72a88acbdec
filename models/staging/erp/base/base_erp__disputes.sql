{{ stage_contract_table('disputes') }}
