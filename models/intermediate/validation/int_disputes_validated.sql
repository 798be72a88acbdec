{{ config(materialized='view') }}
-- The rows of int_disputes_checked that passed every cross-table check.
{{ validated_rows(ref('int_disputes_checked')) }}
