-- Published as is from core_unapplied_balance_snapshots
-- (models/core/ledger): other models read that one,
-- so marts stay leaves. Grain, columns, tests: the YAML of this mart.
{{ config(materialized=rpm.thin_mart_materialization()) }}

select * from {{ ref('core_unapplied_balance_snapshots') }}
