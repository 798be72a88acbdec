-- Every KPI per calendar quarter and segment, with its inputs, the status of
-- the five RPM benchmarks and the ledger notes (int_kpis_with_status).
select * from {{ ref('int_kpis_with_status') }}
where period_grain = 'quarter'
