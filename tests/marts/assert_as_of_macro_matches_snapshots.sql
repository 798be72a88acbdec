-- The point-in-time macro and the running-balance snapshots are two
-- computations of the same thing: at the latest month-end snapshot they
-- agree document by document, bucket included.
{%- set as_of = "(select max(as_of_date) from "
    ~ ref('int_as_of_dates') ~ " where is_month_end)" %}

with

from_macro as (

    {{ ar_open_items_as_of(
        as_of,
        balance_events=ref('int_ar_balance_events'),
        documents=ref('int_ar_documents_validated'),
        aging_buckets=ref('aging_buckets'),
    ) }}

),

from_snapshots as (

    select
        document_id,
        aging_bucket,
        open_amount_document
    from {{ ref('fct_ar_aging_snapshots') }}
    where as_of_date = {{ as_of }}

)

select
    from_macro.open_amount_document as macro_amount,
    from_snapshots.open_amount_document as snapshot_amount,
    from_macro.aging_bucket as macro_bucket,
    from_snapshots.aging_bucket as snapshot_bucket,
    coalesce(from_macro.document_id, from_snapshots.document_id)
        as document_id
from from_macro
full outer join from_snapshots
    on from_macro.document_id = from_snapshots.document_id
where
    from_macro.document_id is null
    or from_snapshots.document_id is null
    or from_macro.open_amount_document <> from_snapshots.open_amount_document
    or from_macro.aging_bucket <> from_snapshots.aging_bucket
