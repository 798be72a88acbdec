-- When each INV/DM holds its account on credit hold (collection rule 3,
-- kpi_definitions.md): the days on which it is credit_hold_days_past_due
-- (45) or more days past due and owes a positive balance at the end of the
-- day (an over-applied document holds nothing, v2). One row per
-- document and interval [hold_start_date, hold_end_date) (end exclusive;
-- the day after the extract date when still holding). A payment reversed
-- later reopens the document, so a document can hold more than once.

with

documents as (

    select
        document_id,
        customer_id,
        {{ add_days('due_date', var('credit_hold_days_past_due')) }}
            as hold_from_date
    from {{ ref('core_ar_documents') }}
    where document_type in ('INV', 'DM')

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

daily_changes as (

    select
        document_id,
        event_date,
        sum(amount_document_change) as amount_document_change
    from {{ ref('int_ar_balance_events') }}
    group by 1, 2

),

balances as (

    -- The balance from each change until the next one.
    select
        document_id,
        event_date as balance_from_date,
        lead(event_date) over (
            partition by document_id order by event_date
        ) as balance_until_date,
        sum(amount_document_change) over (
            partition by document_id
            order by event_date
            rows between unbounded preceding and current row
        ) as balance_document
    from daily_changes

),

final as (

    select
        documents.document_id,
        documents.customer_id,
        case
            when balances.balance_from_date > documents.hold_from_date
                then balances.balance_from_date
            else documents.hold_from_date
        end as hold_start_date,
        coalesce(
            balances.balance_until_date,
            {{ add_days('extract_date.extract_date', 1) }}
        ) as hold_end_date
    from documents
    inner join balances on documents.document_id = balances.document_id
    cross join extract_date
    where
        -- An over-applied document owes nothing and holds nothing (v2).
        balances.balance_document > 0
        and documents.hold_from_date <= extract_date.extract_date
        and documents.hold_from_date < coalesce(
            balances.balance_until_date,
            {{ add_days('extract_date.extract_date', 1) }}
        )

)

select * from final
