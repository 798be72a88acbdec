-- The host project's own model on top of a public rpm mart.
select
    customer_id,
    sum(open_amount_reporting) as open_amount_reporting
from {{ ref('rpm', 'fct_ar_documents') }}
where is_open
group by 1
