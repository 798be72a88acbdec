{{ config(materialized='view') }}
-- Rows of int_disputes_checked that passed every check, as of the extract date:
-- a dispute resolved after it is still open.
{{ validated_rows(
    ref('int_disputes_checked'),
    ref('util_extract_date'),
    dated_by='opened_date',
    unknown_after={'resolved_date': {
        'resolved_date': 'null', 'resolution': 'null', 'is_open': 'true'
    }}
) }}
