{{ config(materialized='view') }}
-- The rows of int_customer_feedback_checked that passed every cross-table check.
{{ validated_rows(ref('int_customer_feedback_checked')) }}
