{{ stage_contract_table('collection_activities') }}
