{{ config(materialized='view') }}
-- The rows of int_credit_approvals_checked that passed every cross-table check.
{{ validated_rows(ref('int_credit_approvals_checked')) }}
