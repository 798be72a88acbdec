-- fx_rate_id is rate_date|from_currency_code|to_currency_code.
with

base as (

    select
        _raw_row_id,
        record_key,
        rate_date,
        from_currency,
        to_currency,
        rate
    from {{ ref('base_erp__fx_rates') }}
    where row_status = 'staged'

),

renamed as (

    select
        record_key as fx_rate_id,
        rate_date,
        from_currency as from_currency_code,
        to_currency as to_currency_code,
        rate,
        _raw_row_id
    from base

)

select * from renamed
