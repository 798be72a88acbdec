with

base as (

    select
        _raw_row_id,
        application_id,
        document_id,
        source_type,
        source_id,
        application_date,
        applied_amount,
        discount_amount
    from {{ ref('base_erp__cash_applications') }}
    where row_status = 'staged'

),

renamed as (

    select
        application_id,
        document_id,
        source_type,
        source_id,
        application_date,
        applied_amount as applied_amount_document,
        _raw_row_id,
        coalesce(discount_amount, 0) as discount_amount_document
    from base

)

select * from renamed
