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
    inner join {{ ref('core_ar_aging_snapshots') }} as snapshots
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
    from {{ ref('core_ar_documents') }}
    group by 1, 2, 3, 4

),

month_offsets as (

    select offset_values.month_offset
    from (
        values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11)
    ) as offset_values (month_offset)

),

active_months as (

    -- A month's documents keep the account active at the end of that month
    -- and of the 11 after it: an equality join below instead of a range.
    select
        document_months.customer_id,
        document_months.company_code,
        document_months.currency_code,
        document_months.first_document_date,
        cast({{ dbt.dateadd(
            'month', 'month_offsets.month_offset',
            'document_months.month_start_date'
        ) }} as date) as end_month_start_date
    from document_months
    cross join month_offsets

),

recent_documents as (

    select distinct
        periods.period_grain,
        periods.period_start_date,
        active_months.customer_id,
        active_months.company_code,
        active_months.currency_code
    from periods
    inner join active_months
        on periods.end_month_start_date = active_months.end_month_start_date
    where periods.period_end_date >= active_months.first_document_date

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
