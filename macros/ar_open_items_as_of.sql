{#- Open invoices and debit memos as of any date, aged: the point-in-time
    question for a date that is not a snapshot date. Counts only events dated
    on or before as_of_date (an application undone by a reversal counts until
    the day before the reversal_date, as in int_ar_balance_events).
    as_of_date: a SQL date expression, e.g. "cast('2025-06-15' as date)";
    balance_events, documents, aging_buckets: the relations
    int_ar_balance_events, int_ar_documents_validated and the seed
    aging_buckets (the caller names its parents). -#}
{% macro ar_open_items_as_of(as_of_date, balance_events, documents, aging_buckets) %}

with

balance_events as (

    select
        document_id,
        event_date,
        amount_document_change,
        amount_reporting_change
    from {{ balance_events }}
    where event_date <= {{ as_of_date }}

),

documents as (

    select
        document_id,
        document_type,
        customer_id,
        company_code,
        currency_code,
        document_date,
        due_date
    from {{ documents }}
    where document_date <= {{ as_of_date }}

),

buckets as (

    select
        bucket_order,
        aging_bucket,
        min_days_past_due,
        max_days_past_due
    from {{ aging_buckets }}

),

balances as (

    select
        document_id,
        sum(amount_document_change) as open_amount_document,
        sum(amount_reporting_change) as open_amount_reporting
    from balance_events
    group by 1
    having sum(amount_document_change) <> 0

),

aged as (

    select
        documents.*,
        balances.open_amount_document,
        balances.open_amount_reporting,
        {{ days_between('documents.due_date', as_of_date) }} as days_past_due
    from balances
    inner join documents
        on balances.document_id = documents.document_id

)

select
    cast({{ as_of_date }} as date) as as_of_date,
    aged.*,
    buckets.aging_bucket,
    buckets.bucket_order as aging_bucket_order
from aged
left join buckets
    on {{ in_aging_bucket('aged.days_past_due', 'buckets') }}

{% endmacro %}
