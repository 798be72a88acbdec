{{ config(materialized='view') }}
-- The rows of int_collection_activities_checked that passed every cross-table check.
{{ validated_rows(ref('int_collection_activities_checked')) }}
