{{ stage_contract_table('fx_rates') }}
