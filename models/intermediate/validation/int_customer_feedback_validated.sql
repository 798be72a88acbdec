{{ config(materialized='view') }}
-- Rows of int_customer_feedback_checked that passed every check.
{{ validated_rows(ref('int_customer_feedback_checked')) }}
