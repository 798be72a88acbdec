{{ stage_contract_table('cash_forecasts') }}
