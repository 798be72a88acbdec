{{ config(materialized='view') }}
-- Rows of int_cash_applications_checked that passed every check.
{{ validated_rows(ref('int_cash_applications_checked')) }}
