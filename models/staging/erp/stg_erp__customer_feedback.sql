with

base as (

    select
        _raw_row_id,
        response_id,
        customer_id,
        responded_at,
        csat_score,
        channel
    from {{ ref('base_erp__customer_feedback') }}
    where row_status = 'staged'

),

renamed as (

    select
        response_id,
        customer_id,
        responded_at,
        csat_score,
        channel as response_channel,
        _raw_row_id,
        cast(responded_at as date) as response_date
    from base

)

select * from renamed
