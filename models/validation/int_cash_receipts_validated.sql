{{ config(materialized='view') }}
-- Rows of int_cash_receipts_checked that passed every check, as of the extract
-- date: a reversal dated after it is not known yet.
{{ validated_rows(
    ref('int_cash_receipts_checked'),
    ref('util_extract_date'),
    dated_by='receipt_date',
    unknown_after={'reversal_date': {'reversal_date': 'null', 'is_reversed': 'false'}}
) }}
