{{ stage_contract_table('customer_feedback') }}
