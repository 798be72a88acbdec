-- Every as-of date, aging basis and scheme of rpt_ar_aging_by_scheme sums
-- to AR (the open balances of fct_ar_aging_snapshots at that date), per
-- company and currency, exactly; and every scheme appears on both bases.

with

scheme_totals as (

    select
        as_of_date,
        aging_basis,
        scheme,
        company_code,
        currency_code,
        sum(open_amount_reporting) as ar_from_scheme,
        sum(open_item_count) as items_from_scheme
    from {{ ref('rpt_ar_aging_by_scheme') }}
    group by 1, 2, 3, 4, 5

),

snapshot_totals as (

    select
        as_of_date,
        company_code,
        currency_code,
        sum(open_amount_reporting) as ar_from_snapshots,
        count(*) as items_from_snapshots
    from {{ ref('fct_ar_aging_snapshots') }}
    group by 1, 2, 3

),

bases as (

    select 'days_past_due' as aging_basis
    union all
    select 'document_age' as aging_basis

),

schemes as (

    select distinct scheme from {{ ref('int_aging_bucket_schemes') }}

),

expected as (

    select
        snapshot_totals.*,
        bases.aging_basis,
        schemes.scheme
    from snapshot_totals
    cross join bases
    cross join schemes

)

select
    expected.as_of_date,
    expected.aging_basis,
    expected.scheme,
    expected.company_code,
    expected.currency_code,
    expected.ar_from_snapshots,
    scheme_totals.ar_from_scheme
from expected
left join scheme_totals
    on
        expected.as_of_date = scheme_totals.as_of_date
        and expected.aging_basis = scheme_totals.aging_basis
        and expected.scheme = scheme_totals.scheme
        and expected.company_code = scheme_totals.company_code
        and expected.currency_code = scheme_totals.currency_code
where
    scheme_totals.ar_from_scheme is null
    or scheme_totals.ar_from_scheme <> expected.ar_from_snapshots
    or scheme_totals.items_from_scheme <> expected.items_from_snapshots
