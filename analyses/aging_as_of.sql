-- Aging by bucket as of any date (not only month ends), e.g.
--   dbt compile --select aging_as_of --vars '{as_of_date: 2025-06-15}'
-- then run the SQL in target/compiled/rpm/analyses/.

with

open_items as (

    {{ ar_open_items_as_of(
        "cast('" ~ var('as_of_date', '2025-06-15') ~ "' as date)",
        balance_events=ref('int_ar_balance_events'),
        documents=ref('int_ar_documents_validated'),
        aging_buckets=ref('aging_buckets'),
    ) }}

),

final as (

    select
        aging_bucket_order,
        aging_bucket,
        count(*) as open_documents,
        sum(open_amount_reporting) as open_amount_reporting
    from open_items
    group by 1, 2

)

select * from final
order by 1
