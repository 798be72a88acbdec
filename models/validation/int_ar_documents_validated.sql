{{ config(materialized='view') }}
-- Rows of int_ar_documents_checked that passed every check, as of the extract
-- date.
{{ validated_rows(
    ref('int_ar_documents_checked'),
    ref('util_extract_date'),
    dated_by='document_date',
) }}
