-- document_line_id is document_id|line_number.
with

base as (

    select
        _raw_row_id,
        record_key,
        document_id,
        line_number,
        product_category,
        quantity,
        unit_price,
        line_amount,
        tax_amount
    from {{ ref('base_erp__ar_document_lines') }}
    where row_status = 'staged'

),

renamed as (

    select
        record_key as document_line_id,
        document_id,
        line_number,
        product_category,
        quantity,
        unit_price as unit_price_document,
        line_amount as line_amount_document,
        tax_amount as tax_amount_document,
        _raw_row_id
    from base

)

select * from renamed
