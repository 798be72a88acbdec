-- Published as is from int_cash_forecast_errors
-- (models/core/forecast): the KPI facts read that one,
-- so marts stay leaves. Grain, columns, tests: the YAML of this mart.
{{ config(materialized=rpm.thin_mart_materialization()) }}

select * from {{ ref('int_cash_forecast_errors') }}
