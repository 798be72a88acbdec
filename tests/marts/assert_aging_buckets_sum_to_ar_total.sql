-- Aging buckets sum to the AR total: at the extract date, the open items of
-- fct_ar_aging_snapshots (running balances by as-of date) summed bucket by
-- bucket equal the open INV/DM balances of fct_ar_documents (document
-- components), per company and currency, exactly.

with

buckets as (

    select
        company_code,
        currency_code,
        aging_bucket,
        sum(open_amount_document) as bucket_amount_document
    from {{ ref('fct_ar_aging_snapshots') }}
    where is_extract_date
    group by 1, 2, 3

),

bucket_totals as (

    select
        company_code,
        currency_code,
        sum(bucket_amount_document) as ar_from_buckets
    from buckets
    group by 1, 2

),

document_totals as (

    select
        company_code,
        currency_code,
        sum(open_amount_document) as ar_from_documents
    from {{ ref('fct_ar_documents') }}
    where document_type <> 'CM'
    group by 1, 2

)

select
    bucket_totals.ar_from_buckets,
    document_totals.ar_from_documents,
    coalesce(bucket_totals.company_code, document_totals.company_code)
        as company_code,
    coalesce(bucket_totals.currency_code, document_totals.currency_code)
        as currency_code
from bucket_totals
full outer join document_totals
    on
        bucket_totals.company_code = document_totals.company_code
        and bucket_totals.currency_code = document_totals.currency_code
where
    coalesce(bucket_totals.ar_from_buckets, 0)
    <> coalesce(document_totals.ar_from_documents, 0)
