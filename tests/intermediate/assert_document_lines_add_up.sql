{{ config(severity='warn') }}
-- Contract integrity: for every document that has lines, amount =
-- sum(line_amount) + sum(tax_amount) within line_amount_tolerance. A
-- mismatch is reported, not quarantined: the document amount is what the
-- customer owes.

with

documents as (

    select
        document_id,
        amount_document
    from {{ ref('int_ar_documents_validated') }}

),

lines as (

    select
        document_id,
        sum(line_amount_document)
        + sum(coalesce(tax_amount_document, 0)) as lines_total_document
    from {{ ref('int_ar_document_lines_validated') }}
    group by 1

)

select
    documents.document_id,
    documents.amount_document,
    lines.lines_total_document
from documents
inner join lines
    on documents.document_id = lines.document_id
where
    abs(documents.amount_document - lines.lines_total_document)
    > {{ var('line_amount_tolerance') }}
