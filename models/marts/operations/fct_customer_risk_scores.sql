-- Published as is from core_customer_risk_scores
-- (models/core/customers): other models read that one,
-- so marts stay leaves. Grain, columns, tests: the YAML of this mart.
{{ config(materialized=rpm.thin_mart_materialization()) }}

select * from {{ ref('core_customer_risk_scores') }}
