{{ config(materialized='view') }}
-- The rows of int_promises_to_pay_checked that passed every cross-table check.
{{ validated_rows(ref('int_promises_to_pay_checked')) }}
