-- working_capital_id is company_code|month_end_date. Amounts in the row's
-- currency; the cash conversion cycle converts them at each month end's
-- rate (int_working_capital_months).
with

base as (

    select
        _raw_row_id,
        record_key,
        company_code,
        month_end_date,
        currency_code,
        inventory_balance,
        cost_of_goods_sold,
        ap_balance,
        purchases
    from {{ ref('base_erp__working_capital') }}
    where row_status = 'staged'

),

renamed as (

    select
        record_key as working_capital_id,
        company_code,
        month_end_date,
        currency_code,
        inventory_balance as inventory_balance_local,
        cost_of_goods_sold as cost_of_goods_sold_local,
        ap_balance as ap_balance_local,
        purchases as purchases_local,
        _raw_row_id
    from base

)

select * from renamed
