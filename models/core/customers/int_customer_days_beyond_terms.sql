-- One row per customer and month (int_customer_months): the customer's days
-- beyond terms (kpi_definitions.md v2) over the documents paid in the
-- trailing risk_window_months (12) ending with that month, the ledger's over
-- the same window, and the figure the cash forecast and its days-beyond-terms
-- baseline use (DECISIONS D42, D83): the customer's, else the ledger's when
-- the customer paid nothing in the window, else 0 when nobody did.
-- Amount-weighted over the standing receipt applications of the paid
-- documents (int_ar_document_payments), dated by the month they were paid.
{%- set window_rows = var('risk_window_months') - 1 %}

with

customer_months as (

    select
        customer_id,
        month_start_date
    from {{ ref('int_customer_months') }}

),

payment_months as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date)
            as month_start_date,
        sum(applied_amount_reporting) as applied_amount,
        sum(applied_amount_reporting * days_beyond_terms)
            as applied_amount_x_days_beyond_terms
    from {{ ref('int_ar_document_payments') }}
    group by 1, 2

),

windows as (

    select
        {%- for column in [
            'applied_amount', 'applied_amount_x_days_beyond_terms',
        ] %}
            sum(coalesce(payment_months.{{ column }}, 0)) over (
                partition by customer_months.customer_id
                order by customer_months.month_start_date
                rows between {{ window_rows }} preceding and current row
            ) as window_{{ column }},
        {%- endfor %}
        customer_months.customer_id,
        customer_months.month_start_date
    from customer_months
    left join payment_months
        on
            customer_months.customer_id = payment_months.customer_id
            and customer_months.month_start_date
            = payment_months.month_start_date

),

ledger_windows as (

    select
        month_start_date,
        {{ ratio(
            'sum(window_applied_amount_x_days_beyond_terms)',
            'nullif(sum(window_applied_amount), 0)'
        ) }} as ledger_days_beyond_terms
    from windows
    group by 1

),

rated as (

    select
        windows.customer_id,
        windows.month_start_date,
        {{ to_money('windows.window_applied_amount') }}
            as window_applied_amount,
        {{ to_money('windows.window_applied_amount_x_days_beyond_terms') }}
            as window_applied_amount_x_days_beyond_terms,
        {{ ratio(
            'windows.window_applied_amount_x_days_beyond_terms',
            'nullif(windows.window_applied_amount, 0)'
        ) }} as customer_days_beyond_terms,
        ledger_windows.ledger_days_beyond_terms
    from windows
    inner join ledger_windows
        on windows.month_start_date = ledger_windows.month_start_date

),

final as (

    select
        *,
        coalesce(
            customer_days_beyond_terms, ledger_days_beyond_terms, 0
        ) as trailing_days_beyond_terms
    from rated

)

select * from final
