{{ config(materialized='view') }}
-- Rows of int_credit_approvals_checked that passed every check, as of the
-- extract date.
{{ validated_rows(
    ref('int_credit_approvals_checked'),
    ref('util_extract_date'),
    dated_by='cast(approved_at as date)'
) }}
