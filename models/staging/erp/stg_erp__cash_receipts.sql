with

base as (

    select
        _raw_row_id,
        receipt_id,
        customer_id,
        company_code,
        receipt_date,
        currency_code,
        amount,
        payment_method,
        status,
        reversal_date
    from {{ ref('base_erp__cash_receipts') }}
    where row_status = 'staged'

),

renamed as (

    select
        receipt_id,
        customer_id,
        company_code,
        receipt_date,
        currency_code,
        amount as amount_receipt,
        payment_method,
        status as receipt_status,
        reversal_date,
        _raw_row_id,
        status = 'reversed' as is_reversed
    from base

)

select * from renamed
