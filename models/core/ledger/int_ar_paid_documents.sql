-- One row per invoice or debit memo "paid" (kpi_definitions.md v2, days
-- beyond terms; DECISIONS D77): paid_date is the first day its balance
-- reached zero or less, on the timeline of its balance events without the
-- applications whose receipts were reversed by the extract date, and it
-- carries no write-off. Whatever brought the balance to zero counts (a
-- document settled by credit memos alone is paid, with no receipt): the
-- date days beyond terms (int_ar_document_payments) and forecast error
-- (int_cash_forecast_errors) are dated by.

with

balance_events as (

    select
        document_id,
        source_id,
        event_type,
        event_date,
        amount_document_change
    from {{ ref('int_ar_balance_events') }}

),

documents as (

    select document_id
    from {{ ref('int_ar_documents_validated') }}
    where document_type in ('INV', 'DM')

),

-- Every reversal event has its application's id as source_id.
reversed_applications as (

    select distinct source_id as application_id
    from balance_events
    where event_type = 'reversal'

),

written_off_documents as (

    select distinct document_id
    from balance_events
    where event_type = 'write_off'

),

standing_events as (

    -- The balance as the extract date knows it: a reversed application and
    -- its discount never happened, so neither does their reversal.
    select
        balance_events.document_id,
        balance_events.event_date,
        sum(balance_events.amount_document_change) as amount_document_change
    from balance_events
    inner join documents
        on balance_events.document_id = documents.document_id
    left join reversed_applications
        on balance_events.source_id = reversed_applications.application_id
    left join written_off_documents
        on balance_events.document_id = written_off_documents.document_id
    where
        written_off_documents.document_id is null
        and not (
            reversed_applications.application_id is not null
            and balance_events.event_type in (
                'cash_applied', 'discount', 'reversal', 'discount_reversal'
            )
        )
    group by 1, 2

),

daily_balances as (

    select
        document_id,
        event_date,
        sum(amount_document_change) over (
            partition by document_id
            order by event_date
            rows between unbounded preceding and current row
        ) as balance_document
    from standing_events

),

final as (

    select
        document_id,
        min(event_date) as paid_date
    from daily_balances
    where balance_document <= 0
    group by 1

)

select * from final
