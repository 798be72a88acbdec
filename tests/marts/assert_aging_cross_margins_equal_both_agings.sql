-- The margins of rpt_ar_aging_age_by_past_due are the two standard agings
-- of rpt_ar_aging_by_scheme: summed over age buckets, the days-past-due
-- aging; summed over past-due buckets, the document-age aging (per as-of
-- date, bucket, company and currency, exactly). Returns the differences.

with

cross_by_past_due as (

    select
        as_of_date,
        'days_past_due' as aging_basis,
        past_due_bucket_order as bucket_order,
        company_code,
        currency_code,
        sum(open_amount_reporting) as amount
    from {{ ref('rpt_ar_aging_age_by_past_due') }}
    group by 1, 2, 3, 4, 5

),

cross_by_age as (

    select
        as_of_date,
        'document_age' as aging_basis,
        age_bucket_order as bucket_order,
        company_code,
        currency_code,
        sum(open_amount_reporting) as amount
    from {{ ref('rpt_ar_aging_age_by_past_due') }}
    group by 1, 2, 3, 4, 5

),

margins as (

    select * from cross_by_past_due
    union all
    select * from cross_by_age

),

agings as (

    select
        as_of_date,
        aging_basis,
        bucket_order,
        company_code,
        currency_code,
        open_amount_reporting as amount
    from {{ ref('rpt_ar_aging_by_scheme') }}
    where scheme = 'standard'

)

select
    margins.amount as margin_amount,
    agings.amount as aging_amount,
    coalesce(margins.as_of_date, agings.as_of_date) as as_of_date,
    coalesce(margins.aging_basis, agings.aging_basis) as aging_basis,
    coalesce(margins.bucket_order, agings.bucket_order) as bucket_order
from margins
full outer join agings
    on
        margins.as_of_date = agings.as_of_date
        and margins.aging_basis = agings.aging_basis
        and margins.bucket_order = agings.bucket_order
        and margins.company_code = agings.company_code
        and margins.currency_code = agings.currency_code
where
    margins.amount is null
    or agings.amount is null
    or margins.amount <> agings.amount
