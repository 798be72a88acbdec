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

bases as (

    select 'days_past_due' as aging_basis
    union all
    select 'document_age' as aging_basis

),

by_basis as (

    select
        snapshots.as_of_date,
        snapshots.is_month_end,
        snapshots.is_extract_date,
        snapshots.company_code,
        snapshots.currency_code,
        bases.aging_basis,
        snapshots.open_amount_reporting,
        case
            when bases.aging_basis = 'days_past_due'
                then snapshots.days_past_due
            else snapshots.document_age_days
        end as aging_days
    from snapshots
    cross join bases

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
