{{ config(materialized='view') }}
-- Rows of int_collection_activities_checked that passed every check, as of the
-- extract date.
{{ validated_rows(
    ref('int_collection_activities_checked'),
    dated_by='activity_date'
) }}
