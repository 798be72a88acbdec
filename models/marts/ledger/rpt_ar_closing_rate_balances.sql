-- The closing-rate view per company and currency at every month end and the
-- extract date: AR and net AR at historical rates and at the closing rate,
-- the unrealised FX difference, and why a closing figure is NULL
-- (kpi_definitions.md v2, Closing-rate view).

select * from {{ ref('int_ar_closing_rate_balances') }}
