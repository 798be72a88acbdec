-- One row per customer and month (int_customer_months): how the customer
-- paid over the trailing risk_window_months (12) ending with that month.
-- Counts INV/DM settled in the window (zero balance at the extract date;
-- settlement_date = the last balance event, as in fct_ar_documents), their
-- amount, and their amount-weighted days late both signed (paid early
-- counts negative: what the cash forecast needs) and late-only (early
-- counts 0: what the risk score needs). A month's window holds only
-- settlements dated on or before its end.
{%- set window_rows = var('risk_window_months') - 1 %}

with

months as (

    select
        customer_id,
        month_start_date,
        month_end_date
    from {{ ref('int_customer_months') }}

),

settled_months as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'settlement_date') }} as date)
            as month_start_date,
        count(*) as settled_document_count,
        sum(amount_reporting) as settled_amount,
        sum(amount_reporting * days_late) as settled_amount_signed_days_late,
        sum(
            amount_reporting
            * case when days_late > 0 then days_late else 0 end
        ) as settled_amount_days_late
    from {{ ref('core_ar_documents') }}
    where document_type in ('INV', 'DM') and settlement_date is not null
    group by 1, 2

),

monthly as (

    select
        months.customer_id,
        months.month_start_date,
        months.month_end_date,
        coalesce(settled_months.settled_document_count, 0)
            as settled_document_count,
        coalesce(settled_months.settled_amount, 0) as settled_amount,
        coalesce(settled_months.settled_amount_signed_days_late, 0)
            as settled_amount_signed_days_late,
        coalesce(settled_months.settled_amount_days_late, 0)
            as settled_amount_days_late
    from months
    left join settled_months
        on
            months.customer_id = settled_months.customer_id
            and months.month_start_date = settled_months.month_start_date

),

final as (

    select
        {%- for column in [
            'settled_document_count', 'settled_amount',
            'settled_amount_signed_days_late', 'settled_amount_days_late',
        ] %}
            sum({{ column }}) over (
                partition by customer_id
                order by month_start_date
                rows between {{ window_rows }} preceding and current row
            ) as window_{{ column }},
        {%- endfor %}
        customer_id,
        month_start_date,
        month_end_date
    from monthly

)

select * from final
