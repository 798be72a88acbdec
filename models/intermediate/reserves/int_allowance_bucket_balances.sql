-- The allowance's exposure at each period end: the positive balances of
-- INV/DM in each aging bucket (v2: an over-applied document carries no
-- allowance), one row per period, customer, company, currency and bucket,
-- with the customer's segment values for the period; rpt_allowance_by_bucket
-- rolls them up into segments.

with

periods as (

    select
        period_grain,
        period_start_date,
        period_end_date
    from {{ ref('int_kpi_periods') }}

),

balances as (

    select
        periods.period_grain,
        periods.period_start_date,
        snapshots.customer_id,
        snapshots.company_code,
        snapshots.currency_code,
        snapshots.aging_bucket_order,
        sum(snapshots.open_amount_reporting) as positive_ar_in_bucket
    from periods
    inner join {{ ref('core_ar_aging_snapshots') }} as snapshots
        on periods.period_end_date = snapshots.as_of_date
    where snapshots.open_amount_reporting > 0
    group by 1, 2, 3, 4, 5, 6

),

final as (

    {{ with_customer_segments(
        'balances', ref('int_kpi_customer_period_segments')
    ) }}

)

select * from final
