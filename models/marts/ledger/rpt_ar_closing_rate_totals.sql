-- The closing-rate view in total, for the ledger and per company, at every
-- month end and the extract date (kpi_definitions.md v2, Closing-rate view).

select * from {{ ref('int_ar_closing_rate_totals') }}
