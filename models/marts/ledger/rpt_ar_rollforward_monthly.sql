-- One row per company and month (the last month ends at the extract date):
-- the AR roll-forward in reporting currency. Movements come from the balance
-- events, AR begin and end from the aging snapshots, so the identity
--   ar_begin + credit_sales - cash_applied - credit_memo_applied - discounts
--   - write_offs - other_adjustments + reversals + recoveries = ar_end
-- (recoveries are signed: a reversal of the cash that recovered a write-off
-- reopens it, v2).
-- is a real check of two computations (tested to the cent).
{%- set movement_columns = [
    'credit_sales', 'cash_applied', 'credit_memo_applied', 'discounts',
    'write_offs', 'other_adjustments', 'reversals', 'recoveries',
] %}

with

balance_events as (

    select
        company_code,
        event_type,
        event_date,
        amount_reporting_change
    from {{ ref('int_ar_balance_events') }}

),

snapshots as (

    select
        company_code,
        as_of_date,
        open_amount_reporting
    from {{ ref('core_ar_aging_snapshots') }}

),

periods as (

    select
        month_start_date as period_start_date,
        as_of_date as period_end_date,
        not is_month_end as is_partial_period
    from {{ ref('int_as_of_dates') }}

),

companies as (

    select distinct company_code from balance_events

),

movements as (

    select
        balance_events.company_code,
        periods.period_end_date,
        {%- for event_types, column in [
            (['issued'], 'credit_sales'),
            (['cash_applied'], 'cash_applied'),
            (['credit_memo_applied'], 'credit_memo_applied'),
            (['discount'], 'discounts'),
            (['write_off'], 'write_offs'),
            (['reversal', 'discount_reversal'], 'reversals'),
        ] %}
            sum(
                case
                    when
                        balance_events.event_type
                        in ('{{ event_types | join("', '") }}') -- noqa: LT05
                        then abs(balance_events.amount_reporting_change)
                    else 0
                end
            ) as {{ column }}_reporting,
        {%- endfor %}
        sum(
            case
                when
                    balance_events.event_type
                    in ('small_balance', 'other_adjustment')
                    then abs(balance_events.amount_reporting_change)
                else 0
            end
        ) as other_adjustments_reporting,
        sum(
            case
                when balance_events.event_type = 'recovery'
                    then balance_events.amount_reporting_change
                else 0
            end
        ) as recoveries_reporting
    from balance_events
    inner join periods
        on
            balance_events.event_date >= periods.period_start_date
            and balance_events.event_date <= periods.period_end_date
    group by 1, 2

),

balances as (

    select
        company_code,
        as_of_date,
        sum(open_amount_reporting) as ar_end_reporting
    from snapshots
    group by 1, 2

),

grid as (

    select
        companies.company_code,
        periods.period_start_date,
        periods.period_end_date,
        periods.is_partial_period,
        coalesce(balances.ar_end_reporting, 0) as ar_end_reporting
    from companies
    cross join periods
    left join balances
        on
            companies.company_code = balances.company_code
            and periods.period_end_date = balances.as_of_date

),

final as (

    select
        {{ dbt.concat(['grid.company_code', "'|'",
            dbt.cast('grid.period_start_date', dbt.type_string())]) }}
            as rollforward_id,
        grid.company_code,
        grid.period_start_date,
        grid.period_end_date,
        grid.is_partial_period,
        coalesce(lag(grid.ar_end_reporting) over (
            partition by grid.company_code order by grid.period_end_date
        ), 0) as ar_begin_reporting,
        {%- for column in movement_columns %}
            coalesce(movements.{{ column }}_reporting, 0)
                as {{ column }}_reporting,
        {%- endfor %}
        grid.ar_end_reporting
    from grid
    left join movements
        on
            grid.company_code = movements.company_code
            and grid.period_end_date = movements.period_end_date

)

select * from final
