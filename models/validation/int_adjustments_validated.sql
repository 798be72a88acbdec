{{ config(materialized='view') }}
-- Rows of int_adjustments_checked that passed every check, as of the extract
-- date.
{{ validated_rows(
    ref('int_adjustments_checked'),
    ref('util_extract_date'),
    dated_by='adjustment_date',
) }}
