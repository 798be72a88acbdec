with

base as (

    select
        _raw_row_id,
        dispute_id,
        document_id,
        customer_id,
        dispute_type,
        disputed_amount,
        opened_date,
        resolved_date,
        resolution
    from {{ ref('base_erp__disputes') }}
    where row_status = 'staged'

),

renamed as (

    select
        dispute_id,
        document_id,
        customer_id,
        dispute_type,
        disputed_amount as disputed_amount_document,
        opened_date,
        resolved_date,
        resolution,
        _raw_row_id,
        resolved_date is null as is_open
    from base

)

select * from renamed
