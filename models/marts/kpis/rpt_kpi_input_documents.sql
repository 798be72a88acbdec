-- The documents behind the inputs of every KPI row of the latest closed
-- month, quarter and year (kpi_input_documents): filter a segment's rows
-- (segment_value 'all' is every row) and sum by kpi_input to get that
-- row's ar_begin, ar_end, current_ar_end, credit_sales and write_offs.
-- For any other period, the analysis kpi_documents.

with

latest_closed as (

    select
        period_grain,
        period_start_date,
        period_end_date,
        ar_begin_date,
        max(period_start_date) over (partition by period_grain)
            as latest_start_date
    from {{ ref('int_kpi_periods') }}
    where is_closed

),

periods as (

    select * from latest_closed
    where period_start_date = latest_start_date

),

documents as (

    {{ kpi_input_documents(
        'periods',
        aging_snapshots=ref('core_ar_aging_snapshots'),
        documents=ref('core_ar_documents'),
        balance_events=ref('int_ar_balance_events'),
        segments=ref('int_kpi_customer_period_segments'),
    ) }}

)

select * from documents
