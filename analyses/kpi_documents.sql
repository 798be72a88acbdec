-- The documents behind one KPI row's inputs, for an auditor, for any
-- period (rpt_kpi_input_documents holds the latest closed ones): every
-- open INV/DM in ar_begin, ar_end and current_ar_end, every INV/DM in
-- credit_sales and every write-off in write_offs of one period and segment,
-- with its amount. Summed by kpi_input they equal the row of
-- rpt_kpis_monthly / _quarterly / _yearly. E.g.
--   dbt compile --select kpi_documents --vars '{kpi_period_grain: quarter,
--     kpi_period_start: 2025-07-01, kpi_segment_type: industry,
--     kpi_segment_value: Retail}'
-- then run the SQL in target/compiled/rpm/analyses/.
{%- set segment_column = dict(rpm.kpi_segment_columns())[
    var('kpi_segment_type', 'ledger')] or "'all'" %}

with

period as (

    select * from {{ ref('int_kpi_periods') }}
    where
        period_grain = '{{ var("kpi_period_grain", "month") }}'
        and period_start_date
        = cast('{{ var("kpi_period_start", "2025-07-01") }}' as date)

),

documents as (

    {{ kpi_input_documents(
        'period',
        aging_snapshots=ref('core_ar_aging_snapshots'),
        documents=ref('core_ar_documents'),
        balance_events=ref('int_ar_balance_events'),
        segments=ref('int_kpi_customer_period_segments'),
    ) }}

)

select * from documents
where {{ segment_column }} = '{{ var("kpi_segment_value", "all") }}'
order by 4, 5
