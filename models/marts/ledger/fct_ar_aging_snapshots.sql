-- Published as is from core_ar_aging_snapshots
-- (models/core/ledger): other models read that one,
-- so marts stay leaves. Grain, columns, tests: the YAML of this mart.
{{ config(materialized=rpm.thin_mart_materialization()) }}

select * from {{ ref('core_ar_aging_snapshots') }}
