{{ config(materialized='view') }}
-- Rows of int_adjustments_checked that passed every check.
{{ validated_rows(ref('int_adjustments_checked')) }}
