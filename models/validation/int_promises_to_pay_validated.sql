{{ config(materialized='view') }}
-- Rows of int_promises_to_pay_checked that passed every check, as of the
-- extract date.
{{ validated_rows(
    ref('int_promises_to_pay_checked'),
    ref('util_extract_date'),
    dated_by='created_date'
) }}
