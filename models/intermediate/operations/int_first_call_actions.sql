-- Collection rule 2, first call at first_call_days_past_due (5) days past due
-- (kpi_definitions.md): one action per account and day on which at least one of
-- its INV/DM, owing a positive balance at the end of that day, is exactly 5
-- days past due (or was issued already 5 or more days past due: then on its
-- document date, v2). Carried out if an outbound call to the account is logged
-- from that day through the first_call_business_days-th (2nd) business day
-- after it (business days: Monday to Friday minus the seed holidays). An action
-- whose deadline is after the extract date is not yet due.

with

documents as (

    select
        document_id,
        customer_id,
        -- A document issued already first_call_days_past_due or more days
        -- past its due date triggers on its document date (v2).
        greatest(
            {{ add_days('due_date', var('first_call_days_past_due')) }},
            document_date
        ) as trigger_date
    from {{ ref('core_ar_documents') }}
    where document_type in ('INV', 'DM')

),

balance_events as (

    select
        document_id,
        event_date,
        amount_document_change
    from {{ ref('int_ar_balance_events') }}

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

open_on_trigger_date as (

    -- The document's balance at the end of its trigger day.
    select
        documents.document_id,
        documents.customer_id,
        documents.trigger_date
    from documents
    inner join balance_events
        on
            documents.document_id = balance_events.document_id
            and documents.trigger_date >= balance_events.event_date
    cross join extract_date
    where documents.trigger_date <= extract_date.extract_date
    group by 1, 2, 3
    -- An over-applied document owes nothing and never triggers (v2).
    having sum(balance_events.amount_document_change) > 0

),

triggers as (

    select
        customer_id,
        trigger_date,
        count(*) as triggering_document_count,
        min(document_id) as first_triggering_document_id
    from open_on_trigger_date
    group by 1, 2

),

business_days as (

    select
        date_day,
        sum(case when is_business_day then 1 else 0 end) over (
            order by date_day rows between unbounded preceding and current row
        ) as business_days_through
    from {{ ref('int_calendar_days') }}

),

deadlines as (

    -- The n-th business day after each calendar day.
    select
        calendar_days.date_day,
        min(later.date_day) as deadline_date
    from business_days as calendar_days
    inner join business_days as later
        on
            calendar_days.date_day < later.date_day
            and later.business_days_through
            = calendar_days.business_days_through
            + {{ var('first_call_business_days') }}
    group by 1

),

calls as (

    select
        activity_id,
        customer_id,
        activity_date
    from {{ ref('int_collection_activities_validated') }}
    where channel = 'call' and direction = 'outbound'

),

with_deadline as (

    select
        triggers.*,
        deadlines.deadline_date
    from triggers
    left join deadlines on triggers.trigger_date = deadlines.date_day

),

matched as (

    select
        with_deadline.customer_id,
        with_deadline.trigger_date,
        min(calls.activity_date) as call_date,
        min(calls.activity_id) as call_activity_id
    from with_deadline
    inner join calls
        on
            with_deadline.customer_id = calls.customer_id
            and with_deadline.trigger_date <= calls.activity_date
            and with_deadline.deadline_date >= calls.activity_date
    group by 1, 2

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('with_deadline.trigger_date', dbt.type_string()), "'|'",
            'with_deadline.customer_id',
        ]) }} as first_call_action_id,
        with_deadline.trigger_date,
        with_deadline.customer_id,
        customers.collector_id,
        cast(with_deadline.triggering_document_count as integer)
            as triggering_document_count,
        with_deadline.first_triggering_document_id,
        with_deadline.deadline_date,
        matched.call_date,
        matched.call_activity_id,
        matched.call_date is not null as is_carried_out,
        coalesce(
            with_deadline.deadline_date <= extract_date.extract_date, false
        )
            as is_due
    from with_deadline
    cross join extract_date
    left join {{ ref('core_customers') }} as customers
        on with_deadline.customer_id = customers.customer_id
    left join matched
        on
            with_deadline.customer_id = matched.customer_id
            and with_deadline.trigger_date = matched.trigger_date

)

select * from final
