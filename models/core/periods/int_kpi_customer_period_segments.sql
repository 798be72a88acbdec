-- One row per period and customer: the customer's segment values for that
-- period. Customer attributes are the current ones (history is not applied
-- retroactively); the size band and the active-account flag are taken at
-- the period's end (its last month), and so is the risk tier (the tier
-- scored at the period's end, fct_customer_risk_scores): a band's or a
-- tier's ar_begin need not equal its previous period's ar_end.

with

periods as (

    select
        period_grain,
        period_start_date,
        end_month_start_date
    from {{ ref('int_kpi_periods') }}

),

customers as (

    select
        customer_id,
        customer_group_id,
        -- A blank attribute is a segment of its own (D26), so that every
        -- segment type partitions the ledger.
        coalesce(industry, '(none)') as industry,
        coalesce(country_code, '(none)') as country_code,
        coalesce(region, '(none)') as region,
        coalesce(collector_id, '(none)') as collector_id
    from {{ ref('core_customers') }}

),

customer_months as (

    select
        customer_id,
        month_start_date,
        month_end_date,
        customer_size_band,
        is_active_account
    from {{ ref('int_customer_months') }}

),

risk_scores as (

    select
        customer_id,
        month_end_date,
        risk_tier
    from {{ ref('core_customer_risk_scores') }}

),

final as (

    select
        periods.period_grain,
        periods.period_start_date,
        customers.customer_id,
        customers.customer_group_id,
        customers.industry,
        customers.region,
        customers.country_code,
        customers.collector_id,
        customer_months.customer_size_band,
        risk_scores.risk_tier,
        customer_months.is_active_account
    from periods
    inner join customer_months
        on periods.end_month_start_date = customer_months.month_start_date
    inner join customers
        on customer_months.customer_id = customers.customer_id
    inner join risk_scores
        on
            customer_months.customer_id = risk_scores.customer_id
            and customer_months.month_end_date = risk_scores.month_end_date

)

select * from final
