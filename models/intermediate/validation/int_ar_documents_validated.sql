{{ config(materialized='view') }}
-- The rows of int_ar_documents_checked that passed every cross-table check.
{{ validated_rows(ref('int_ar_documents_checked')) }}
