-- One row per customer and calendar month up to the extract date's month:
-- the customer's credit sales of the trailing 12 months at the month's end
-- (at the extract date for its month), the size band they fall in (edges
-- from the seed customer_size_bands), and whether the customer is an active
-- account (an open INV/DM at the month's end, or a document issued in the
-- trailing 12 months). Period KPIs take these at the period's last month.

with

customers as (

    select customer_id from {{ ref('core_customers') }}

),

months as (

    select
        period_start_date as month_start_date,
        period_end_date as month_end_date
    from {{ ref('int_kpi_periods') }}
    where period_grain = 'month'

),

documents as (

    select
        customer_id,
        document_type,
        document_date,
        amount_reporting
    from {{ ref('core_ar_documents') }}

),

open_items as (

    select
        customer_id,
        as_of_date,
        count(*) as open_item_count
    from {{ ref('core_ar_aging_snapshots') }}
    group by 1, 2

),

size_bands as (

    select
        customer_size_band,
        min_trailing_12m_sales,
        max_trailing_12m_sales
    from {{ ref('customer_size_bands') }}

),

monthly_documents as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'document_date') }} as date)
            as month_start_date,
        sum(
            case
                when document_type in ('INV', 'DM') then amount_reporting
                else 0
            end
        ) as credit_sales_reporting,
        count(*) as document_count
    from documents
    group by 1, 2

),

grid as (

    select
        customers.customer_id,
        months.month_start_date,
        months.month_end_date,
        coalesce(monthly_documents.credit_sales_reporting, 0)
            as credit_sales_reporting,
        coalesce(monthly_documents.document_count, 0) as document_count
    from customers
    cross join months
    left join monthly_documents
        on
            customers.customer_id = monthly_documents.customer_id
            and months.month_start_date = monthly_documents.month_start_date

),

trailing_sums as (

    select
        customer_id,
        month_start_date,
        month_end_date,
        sum(credit_sales_reporting) over (
            partition by customer_id
            order by month_start_date
            rows between 11 preceding and current row
        ) as trailing_12m_credit_sales_reporting,
        sum(document_count) over (
            partition by customer_id
            order by month_start_date
            rows between 11 preceding and current row
        ) as trailing_12m_document_count
    from grid

),

final as (

    select
        trailing_sums.customer_id,
        trailing_sums.month_start_date,
        trailing_sums.month_end_date,
        trailing_sums.trailing_12m_credit_sales_reporting,
        size_bands.customer_size_band,
        coalesce(open_items.open_item_count, 0) > 0
        or trailing_sums.trailing_12m_document_count > 0 as is_active_account
    from trailing_sums
    left join size_bands
        on
            trailing_sums.trailing_12m_credit_sales_reporting
            >= coalesce(
                size_bands.min_trailing_12m_sales,
                trailing_sums.trailing_12m_credit_sales_reporting
            )
            and (
                size_bands.max_trailing_12m_sales is null
                or trailing_sums.trailing_12m_credit_sales_reporting
                < size_bands.max_trailing_12m_sales
            )
    left join open_items
        on
            trailing_sums.customer_id = open_items.customer_id
            and trailing_sums.month_end_date = open_items.as_of_date

)

select * from final
