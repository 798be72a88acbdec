{{ stage_contract_table('credit_approvals') }}
