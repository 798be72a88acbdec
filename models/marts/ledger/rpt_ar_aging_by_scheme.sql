-- Open INV/DM balances at every month end and at the extract date, in every
-- aging scheme (int_aging_bucket_schemes), on two bases: days past due
-- (as_of_date - due_date, as the KPIs) and document age (as_of_date -
-- document_date, the same edges). One row per as-of date, basis, scheme,
-- bucket, company and currency with open items; each (as-of date, basis,
-- scheme) sums to AR (tested).

with

snapshots as (

    select
        as_of_date,
        is_month_end,
        is_extract_date,
        company_code,
        currency_code,
        days_past_due,
        {{ days_between('document_date', 'as_of_date') }} as document_age_days,
        open_amount_reporting
    from {{ ref('core_ar_aging_snapshots') }}

),

schemes as (

    select * from {{ ref('int_aging_bucket_schemes') }}

),

by_basis as (

    select
        as_of_date,
        is_month_end,
        is_extract_date,
        company_code,
        currency_code,
        'days_past_due' as aging_basis,
        days_past_due as aging_days,
        open_amount_reporting
    from snapshots

    union all

    select
        as_of_date,
        is_month_end,
        is_extract_date,
        company_code,
        currency_code,
        'document_age' as aging_basis,
        document_age_days as aging_days,
        open_amount_reporting
    from snapshots

),

final as (

    select
        by_basis.as_of_date,
        by_basis.is_month_end,
        by_basis.is_extract_date,
        by_basis.aging_basis,
        schemes.scheme,
        cast(schemes.bucket_order as integer) as bucket_order,
        schemes.aging_bucket,
        by_basis.company_code,
        by_basis.currency_code,
        count(*) as open_item_count,
        {{ to_money('sum(by_basis.open_amount_reporting)') }}
            as open_amount_reporting
    from by_basis
    inner join schemes
        on {{ in_aging_bucket('by_basis.aging_days', 'schemes') }}
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

)

select * from final
