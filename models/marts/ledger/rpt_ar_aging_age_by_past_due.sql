-- The cross of document age (as_of_date - document_date) and days past due
-- (as_of_date - due_date), both in the standard scheme's buckets, at every
-- month end and the extract date: one row per as-of date, age bucket,
-- past-due bucket, company and currency with open items. Its margins are
-- the two agings of rpt_ar_aging_by_scheme (tested).

with

snapshots as (

    select
        as_of_date,
        is_month_end,
        is_extract_date,
        company_code,
        currency_code,
        aging_bucket_order as past_due_bucket_order,
        aging_bucket as past_due_bucket,
        {{ days_between('document_date', 'as_of_date') }} as document_age_days,
        open_amount_reporting
    from {{ ref('core_ar_aging_snapshots') }}

),

standard as (

    select * from {{ ref('int_aging_bucket_schemes') }}
    where scheme = 'standard'

),

final as (

    select
        snapshots.as_of_date,
        snapshots.is_month_end,
        snapshots.is_extract_date,
        cast(standard.bucket_order as integer) as age_bucket_order,
        standard.aging_bucket as age_bucket,
        snapshots.past_due_bucket_order,
        snapshots.past_due_bucket,
        snapshots.company_code,
        snapshots.currency_code,
        count(*) as open_item_count,
        {{ to_money('sum(snapshots.open_amount_reporting)') }}
            as open_amount_reporting
    from snapshots
    inner join standard
        on {{ in_aging_bucket('snapshots.document_age_days', 'standard') }}
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

)

select * from final
