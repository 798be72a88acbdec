with

base as (

    select
        _raw_row_id,
        promise_id,
        customer_id,
        activity_id,
        document_id,
        created_date,
        promised_date,
        promised_amount,
        currency_code
    from {{ ref('base_erp__promises_to_pay') }}
    where row_status = 'staged'

),

renamed as (

    select
        promise_id,
        customer_id,
        activity_id,
        document_id,
        created_date,
        promised_date,
        promised_amount,
        currency_code as promise_currency_code,
        _raw_row_id
    from base

)

select * from renamed
