{{ stage_contract_table('collectors') }}
