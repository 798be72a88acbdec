{{ config(materialized='view') }}
-- Rows of int_disputes_checked that passed every check.
{{ validated_rows(ref('int_disputes_checked')) }}
