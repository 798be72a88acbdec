-- gl_balance_id is company_code|period_end_date|currency_code.
with

base as (

    select
        _raw_row_id,
        record_key,
        company_code,
        period_end_date,
        currency_code,
        balance
    from {{ ref('base_erp__gl_ar_control_balances') }}
    where row_status = 'staged'

),

renamed as (

    select
        record_key as gl_balance_id,
        company_code,
        period_end_date,
        currency_code,
        balance as gl_balance,
        _raw_row_id
    from base

)

select * from renamed
