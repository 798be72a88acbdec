-- Published as is from audit_kpi_restatements
-- (models/audit): other models read that one,
-- so marts stay leaves. Grain, columns, tests: the YAML of this mart.
{{ config(materialized=rpm.thin_mart_materialization()) }}

select * from {{ ref('audit_kpi_restatements') }}
