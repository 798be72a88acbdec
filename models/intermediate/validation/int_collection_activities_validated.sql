{{ config(materialized='view') }}
-- Rows of int_collection_activities_checked that passed every check.
{{ validated_rows(ref('int_collection_activities_checked')) }}
