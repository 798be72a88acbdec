-- The keys whose derived rows an incremental build recomputes, one row per
-- key type and key:
--   customer  a customer named by a changed row of any table with a
--             customer_id (customer-level tables restate all its rows), or
--             whose document was delivered after the previous extract date
--   document  every document a changed row names (its own rows, lines,
--             applications, adjustments, disputes), every document
--             delivered after the previous extract date (its sent_date was
--             not known then), every document of a
--             customer whose master row changed (documents are checked
--             against it), and the documents applied to or from a restated
--             receipt or credit memo
--   receipt   every receipt a changed row names, every receipt of a customer
--             whose master row changed, and the receipts applied to a
--             restated document
-- One step of the application closure is enough: an application moves one
-- document's and one source's balance, and nothing depends on those in turn.
-- Staged rows suffice for the mappings: a row that left staging is itself a
-- changed row and names its document, source and customer.

with

changed_rows as (

    select * from {{ ref('stg_load__changed_rows') }}

),

documents as (

    select distinct
        document_id,
        customer_id
    from {{ ref('stg_erp__ar_documents') }}

),

receipts as (

    select distinct
        receipt_id,
        customer_id
    from {{ ref('stg_erp__cash_receipts') }}

),

applications as (

    select distinct
        document_id,
        source_id
    from {{ ref('stg_erp__cash_applications') }}

),

-- Documents delivered after the previous build's extract date: their
-- sent_date was not known then (int_ar_documents_validated) and no changed
-- row names them, so they and their customers are restated by this rule.
delivered_since as (

    select
        documents_sent.document_id,
        documents_sent.customer_id
    from {{ ref('stg_erp__ar_documents') }} as documents_sent
    cross join {{ ref('stg_load__load_state') }} as load_state
    where documents_sent.sent_date > load_state.previous_extract_date

),

changed_customers as (

    select customer_id from changed_rows
    where customer_id is not null

    union

    select customer_id from delivered_since

),

changed_customer_masters as (

    select customer_id from changed_rows
    where table_name = 'customers' and customer_id is not null

),

named_documents as (

    select document_id from changed_rows
    where document_id is not null

    union

    select document_id from delivered_since

    union

    select source_id from changed_rows
    where table_name = 'cash_applications' and source_id is not null

    union

    select documents.document_id
    from documents
    inner join changed_customer_masters
        on documents.customer_id = changed_customer_masters.customer_id

),

named_receipts as (

    select record_key as receipt_id from changed_rows
    where table_name = 'cash_receipts'

    union

    select source_id from changed_rows
    where table_name = 'cash_applications' and source_id is not null

    union

    select receipts.receipt_id
    from receipts
    inner join changed_customer_masters
        on receipts.customer_id = changed_customer_masters.customer_id

),

restated_documents as (

    select document_id from named_documents

    union

    -- Targets of applications from a restated receipt or credit memo.
    select applications.document_id
    from applications
    where
        applications.source_id in (
            select named_receipts.receipt_id from named_receipts
        )
        or applications.source_id in (
            select named_documents.document_id from named_documents
        )

    union

    -- Credit memos applied to a restated document.
    select applications.source_id
    from applications
    where applications.document_id in (
            select named_documents.document_id from named_documents
        )

),

restated_receipts as (

    select receipt_id from named_receipts

    union

    select applications.source_id
    from applications
    where applications.document_id in (
            select named_documents.document_id from named_documents
        )

),

final as (

    select distinct
        'customer' as key_type,
        customer_id as restated_key
    from changed_customers

    union all

    select
        'document' as key_type,
        document_id as restated_key
    from restated_documents
    where document_id is not null

    union all

    select
        'receipt' as key_type,
        receipt_id as restated_key
    from restated_receipts
    where receipt_id is not null

)

select * from final
