with

base as (

    select
        _raw_row_id,
        document_id,
        document_number,
        document_type,
        customer_id,
        company_code,
        document_date,
        posting_date,
        due_date,
        currency_code,
        amount,
        tax_amount,
        reference_document_id,
        po_number,
        source_updated_at,
        sent_date,
        delivery_channel
    from {{ ref('base_erp__ar_documents') }}
    where row_status = 'staged'

),

renamed as (

    select
        document_id,
        document_number,
        document_type,
        customer_id,
        company_code,
        document_date,
        posting_date,
        due_date,
        currency_code,
        amount as amount_document,
        tax_amount as tax_amount_document,
        reference_document_id,
        po_number,
        source_updated_at,
        sent_date,
        delivery_channel,
        _raw_row_id,
        -- Suspicious, not invalid (contract v2): an invoice entered after it
        -- fell due. Staged, aged by its due date, flagged.
        due_date < document_date as is_due_before_document_date,
        -- Suspicious, not invalid: delivered before it was issued (a
        -- pro-forma sent ahead). Staged with its signed delivery days.
        coalesce(sent_date < document_date, false)
            as is_sent_before_document_date
    from base

)

select * from renamed
