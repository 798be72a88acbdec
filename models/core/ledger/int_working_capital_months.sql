-- The GL's working capital (v2, optional table working_capital) per company
-- and month, in reporting currency at the closing rate of the month end (the
-- "historical rate of each month end" of the cash conversion cycle): the
-- balances at the month end, the flows of the month. One row per company and
-- month of the ledger's calendar up to the extract date; a month whose
-- currency has no usable closing rate keeps its row with NULL amounts and the
-- reason. A month_end_date that is not the last day of its month is placed in
-- its month.

with

working_capital as (

    select
        company_code,
        currency_code,
        cast({{ dbt.date_trunc('month', 'month_end_date') }} as date)
            as month_start_date,
        inventory_balance_local,
        cost_of_goods_sold_local,
        ap_balance_local,
        purchases_local
    from {{ ref('stg_erp__working_capital') }}

),

month_ends as (

    -- Every closed month end of the ledger (the extract date when it is one).
    select
        month_start_date,
        as_of_date as month_end_date
    from {{ ref('int_as_of_dates') }}
    where is_month_end

),

closing_rates as (

    select
        currency_code,
        as_of_date,
        closing_rate,
        closing_rate_null_reason
    from {{ ref('int_fx_closing_rates') }}

),

final as (

    select
        working_capital.company_code,
        working_capital.month_start_date,
        month_ends.month_end_date,
        working_capital.currency_code,
        closing_rates.closing_rate,
        {%- for column in [
            'inventory_balance', 'cost_of_goods_sold', 'ap_balance', 'purchases'
        ] %}
            {{ to_money(to_reporting(
                'working_capital.' ~ column ~ '_local',
                'closing_rates.closing_rate'
            )) }} as {{ column }}_reporting,
        {%- endfor %}
        closing_rates.closing_rate_null_reason
    from working_capital
    inner join month_ends
        on working_capital.month_start_date = month_ends.month_start_date
    left join closing_rates
        on
            working_capital.currency_code = closing_rates.currency_code
            and month_ends.month_end_date = closing_rates.as_of_date

)

select * from final
