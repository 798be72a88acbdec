{{ config(materialized='view') }}
-- Rows of int_ar_documents_checked that passed every check, as of the extract
-- date. A sent_date after it is not known yet: the document is issued but
-- not yet delivered (its channel is known: the customer's chosen one).
{{ validated_rows(
    ref('int_ar_documents_checked'),
    ref('util_extract_date'),
    dated_by='document_date',
    unknown_after={'sent_date': {'sent_date': 'null'}},
) }}
