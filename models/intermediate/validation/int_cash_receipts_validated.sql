{{ config(materialized='view') }}
-- The rows of int_cash_receipts_checked that passed every cross-table check.
{{ validated_rows(ref('int_cash_receipts_checked')) }}
