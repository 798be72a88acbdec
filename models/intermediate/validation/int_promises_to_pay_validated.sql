{{ config(materialized='view') }}
-- Rows of int_promises_to_pay_checked that passed every check.
{{ validated_rows(ref('int_promises_to_pay_checked')) }}
