{{ config(materialized='view') }}
-- The rows of int_adjustments_checked that passed every cross-table check.
{{ validated_rows(ref('int_adjustments_checked')) }}
