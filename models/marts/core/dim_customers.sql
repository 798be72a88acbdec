-- Published as is from core_customers
-- (models/core/customers): other models read that one,
-- so marts stay leaves. Grain, columns, tests: the YAML of this mart.
{{ config(materialized='view') }}

select * from {{ ref('core_customers') }}
