{{ stage_contract_table('ar_document_lines') }}
