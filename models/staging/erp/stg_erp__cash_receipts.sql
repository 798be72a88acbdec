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
        -- Contract v2: a reversal_date reverses the receipt from that date
        -- whatever its status says (a reversed status without one is
        -- quarantined in base_erp__cash_receipts).
        reversal_date is not null as is_reversed,
        -- Suspicious, not invalid: cash no customer is known for yet.
        customer_id is null as is_without_customer
    from base

)

select * from renamed
