with

base as (

    select
        _raw_row_id,
        adjustment_id,
        document_id,
        adjustment_date,
        adjustment_type,
        amount,
        reason_code,
        approved_by
    from {{ ref('base_erp__adjustments') }}
    where row_status = 'staged'

),

renamed as (

    select
        adjustment_id,
        document_id,
        adjustment_date,
        adjustment_type,
        amount as adjustment_amount_document,
        reason_code,
        approved_by,
        _raw_row_id
    from base

)

select * from renamed
