{{ stage_contract_table('gl_ar_control_balances') }}
