{{ config(materialized='view') }}
-- Rows of int_cash_receipts_checked that passed every check.
{{ validated_rows(ref('int_cash_receipts_checked')) }}
