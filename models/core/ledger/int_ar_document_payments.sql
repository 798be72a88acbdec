-- One row per receipt application to an invoice or debit memo that was
-- "paid" (kpi_definitions.md v2, days beyond terms; DECISIONS D77): its
-- balance first reached zero or less on paid_date (int_ar_paid_documents)
-- and it carries no write-off. Each of its applications that stands (not
-- reversed by the extract date) weighs by what it took off the balance in
-- reporting currency, at the application's own date:
--   days_beyond_terms = application_date - due_date   (early is negative)
--   days_to_pay       = application_date - document_date
--   is_within_terms   = application_date <= due_date + terms_grace_days
-- Credit memos, discounts and adjustments move the balance but weigh
-- nothing.

with

balance_events as (

    select
        document_id,
        source_id,
        event_type,
        amount_reporting_change
    from {{ ref('int_ar_balance_events') }}

),

documents as (

    select
        document_id,
        customer_id,
        company_code,
        currency_code,
        document_date,
        due_date
    from {{ ref('int_ar_documents_validated') }}
    where document_type in ('INV', 'DM')

),

applications as (

    select
        application_id,
        application_date
    from {{ ref('int_cash_applications_validated') }}
    where source_type = 'receipt'

),

-- Every reversal event has its application's id as source_id.
reversed_applications as (

    select distinct source_id as application_id
    from balance_events
    where event_type = 'reversal'

),

paid_documents as (

    select
        document_id,
        paid_date
    from {{ ref('int_ar_paid_documents') }}

),

payments as (

    select
        balance_events.source_id as application_id,
        balance_events.document_id,
        paid_documents.paid_date,
        {{ to_money('-balance_events.amount_reporting_change') }}
            as applied_amount_reporting
    from balance_events
    inner join paid_documents
        on balance_events.document_id = paid_documents.document_id
    left join reversed_applications
        on balance_events.source_id = reversed_applications.application_id
    where
        balance_events.event_type = 'cash_applied'
        and reversed_applications.application_id is null

),

final as (

    select
        payments.application_id,
        payments.document_id,
        documents.customer_id,
        documents.company_code,
        documents.currency_code,
        documents.document_date,
        documents.due_date,
        payments.paid_date,
        applications.application_date,
        payments.applied_amount_reporting,
        {{ dbt.datediff(
            'documents.due_date', 'applications.application_date', 'day'
        ) }} as days_beyond_terms,
        {{ dbt.datediff(
            'documents.document_date', 'applications.application_date', 'day'
        ) }} as days_to_pay,
        {{ dbt.datediff(
            'documents.due_date', 'applications.application_date', 'day'
        ) }} <= {{ var('terms_grace_days') }} as is_within_terms
    from payments
    inner join documents
        on payments.document_id = documents.document_id
    inner join applications
        on payments.application_id = applications.application_id

)

select * from final
