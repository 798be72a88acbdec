-- Published as is from int_first_call_actions
-- (models/intermediate/operations): other models read that one,
-- so marts stay leaves. Grain, columns, tests: the YAML of this mart.
{{ config(materialized=rpm.thin_mart_materialization()) }}

select * from {{ ref('int_first_call_actions') }}
