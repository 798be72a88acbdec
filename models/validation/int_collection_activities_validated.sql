{{ config(materialized='view') }}
-- Rows of int_collection_activities_checked that passed every check, as of the
-- extract date.
{{ validated_rows(
    ref('int_collection_activities_checked'),
    ref('util_extract_date'),
    dated_by='activity_date'
) }}
