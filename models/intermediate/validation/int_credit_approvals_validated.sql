{{ config(materialized='view') }}
-- Rows of int_credit_approvals_checked that passed every check.
{{ validated_rows(ref('int_credit_approvals_checked')) }}
