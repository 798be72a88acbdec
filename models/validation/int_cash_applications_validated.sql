{{ config(materialized='view') }}
-- Rows of int_cash_applications_checked that passed every check, as of the
-- extract date.
{{ validated_rows(
    ref('int_cash_applications_checked'),
    ref('util_extract_date'),
    dated_by='application_date'
) }}
