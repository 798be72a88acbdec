{{ config(severity='warn') }}
-- Contract integrity: for every document that has lines, amount =
-- sum(line_amount) + sum(tax_amount) within line_amount_tolerance. A
-- mismatch is suspicious, not invalid (contract v2): the document is staged
-- and flagged (fct_ar_documents.is_lines_mismatch, counted in
-- rpt_row_flags); this warns with the documents.

select
    document_id,
    amount_document
from {{ ref('fct_ar_documents') }}
where is_lines_mismatch
