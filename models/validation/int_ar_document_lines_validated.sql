{{ config(materialized='view') }}
-- Rows of int_ar_document_lines_checked that passed every check.
{{ validated_rows(
    ref('int_ar_document_lines_checked'),
    ref('util_extract_date'),
) }}
