{{ config(materialized='view') }}
-- Rows of int_customer_feedback_checked that passed every check, as of the
-- extract date.
{{ validated_rows(
    ref('int_customer_feedback_checked'),
    ref('util_extract_date'),
    dated_by='response_date'
) }}
