-- Active accounts at each period end (kpi_definitions.md, Segments): a
-- customer with an open INV/DM or a document issued in the trailing 12
-- months (the period end's month and the 11 before it), counted over every
-- customer, not only those with activity in the period. One row per period,
-- customer, company and currency in which the customer is active, with its
-- segment values, so that company and currency segments count the
-- customers active in that company or currency (v2).

with

periods as (

    select
        period_grain,
        period_start_date,
        period_end_date,
        end_month_start_date
    from {{ ref('int_kpi_periods') }}

),

open_documents as (

    select distinct
        periods.period_grain,
        periods.period_start_date,
        snapshots.customer_id,
        snapshots.company_code,
        snapshots.currency_code
    from periods
    inner join {{ ref('fct_ar_aging_snapshots') }} as snapshots
        on periods.period_end_date = snapshots.as_of_date

),

document_months as (

    -- Each customer, company and currency with a document, by month, with
    -- the month's first document date (a period ending inside a month
    -- counts that month's documents through its end only).
    select
        customer_id,
        company_code,
        currency_code,
        cast({{ dbt.date_trunc('month', 'document_date') }} as date)
            as month_start_date,
        min(document_date) as first_document_date
    from {{ ref('fct_ar_documents') }}
    group by 1, 2, 3, 4

),

recent_documents as (

    select distinct
        periods.period_grain,
        periods.period_start_date,
        document_months.customer_id,
        document_months.company_code,
        document_months.currency_code
    from periods
    inner join document_months
        on
            periods.end_month_start_date >= document_months.month_start_date
            and document_months.month_start_date
            >= {{ dbt.dateadd('month', -11, 'periods.end_month_start_date') }}
            and periods.period_end_date >= document_months.first_document_date

),

active as (

    select * from open_documents
    union
    select * from recent_documents

),

final as (

    {{ with_customer_segments(
        'active', ref('int_kpi_customer_period_segments')
    ) }}

)

select * from final
