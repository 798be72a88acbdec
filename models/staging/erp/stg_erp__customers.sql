with

base as (

    select
        _raw_row_id,
        customer_id,
        customer_name,
        parent_customer_id,
        industry,
        country_code,
        region,
        customer_since,
        credit_limit,
        credit_currency,
        payment_terms_days,
        collector_id,
        billing_contact_name,
        billing_contact_email,
        billing_contact_phone
    from {{ ref('base_erp__customers') }}
    where row_status = 'staged'

),

renamed as (

    select
        customer_id,
        customer_name,
        parent_customer_id,
        industry,
        country_code,
        region,
        customer_since as customer_since_date,
        credit_limit as credit_limit_amount,
        credit_currency as credit_currency_code,
        payment_terms_days,
        collector_id,
        billing_contact_name,
        billing_contact_email,
        billing_contact_phone,
        _raw_row_id
    from base

)

select * from renamed
