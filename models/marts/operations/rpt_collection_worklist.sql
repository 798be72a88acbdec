-- Today's worklist: one row per account and open action at the extract
-- date, with what triggered it and what a collector needs before calling:
--   first_call           a document reached 5 days past due and no outbound
--                        call has been logged yet, deadline not passed;
--   month_end_statement  the latest month end's statement not sent yet,
--                        window still open;
--   credit_hold          the account is on credit hold (an INV/DM 45+ days
--                        past due open at the extract date);
--   over_credit_limit    its positive AR is above its credit limit at the
--                        extract date, both at the closing rate (v2).
-- Open positions at the extract date, the last contact and its outcome,
-- promises whose window is still open (created, not past promised date +
-- grace days) and open disputes, and the credit-hold status.

with

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

first_calls as (

    -- Several open triggers of one account make one row: the earliest.
    select
        actions.customer_id,
        'first_call' as worklist_action,
        min(actions.trigger_date) as triggered_on,
        cast(sum(actions.triggering_document_count) as integer)
            as triggering_document_count,
        min(actions.first_triggering_document_id) as triggering_document_id,
        min(actions.deadline_date) as deadline_date
    from {{ ref('int_first_call_actions') }} as actions
    cross join extract_date
    where
        not actions.is_carried_out
        and actions.deadline_date >= extract_date.extract_date
    group by 1

),

statements as (

    select
        customer_id,
        'month_end_statement' as worklist_action,
        month_end_date as triggered_on,
        open_item_count as triggering_document_count,
        cast(null as {{ dbt.type_string() }}) as triggering_document_id,
        {{ add_days('month_end_date', var('statement_window_days')) }}
            as deadline_date
    from {{ ref('int_statement_actions') }}
    where not is_carried_out and not is_due

),

holds as (

    select
        holds.customer_id,
        'credit_hold' as worklist_action,
        min(holds.hold_start_date) as triggered_on,
        cast(count(distinct holds.document_id) as integer)
            as triggering_document_count,
        min(holds.document_id) as triggering_document_id,
        cast(null as date) as deadline_date
    from {{ ref('int_credit_hold_intervals') }} as holds
    cross join extract_date
    where holds.hold_end_date > extract_date.extract_date
    group by 1

),

credit_limits as (

    select
        limit_use.customer_id,
        limit_use.credit_limit_use_pct,
        limit_use.is_over_limit,
        limit_use.credit_limit_null_reason
    from {{ ref('int_credit_limit_use') }} as limit_use
    inner join extract_date
        on limit_use.as_of_date = extract_date.extract_date

),

over_limits as (

    select
        credit_limits.customer_id,
        'over_credit_limit' as worklist_action,
        extract_date.extract_date as triggered_on,
        cast(null as integer) as triggering_document_count,
        cast(null as {{ dbt.type_string() }}) as triggering_document_id,
        cast(null as date) as deadline_date
    from credit_limits
    cross join extract_date
    where credit_limits.is_over_limit

),

actions as (

    select * from first_calls
    union all
    select * from statements
    union all
    select * from holds
    union all
    select * from over_limits

),

open_positions as (

    select
        customer_id,
        count(*) as open_item_count,
        sum(open_amount_reporting) as open_amount_reporting,
        max(days_past_due) as oldest_days_past_due
    from {{ ref('core_ar_aging_snapshots') }}
    where is_extract_date
    group by 1

),

last_contacts as (

    select
        customer_id,
        activity_date as last_contact_date,
        channel as last_contact_channel,
        outcome as last_contact_outcome
    from (
        select
            activities.*,
            row_number() over (
                partition by activities.customer_id
                order by
                    activities.activity_at desc, activities.activity_id desc
            ) as recency
        from {{ ref('int_collection_activities_validated') }} as activities
    ) as ranked
    where recency = 1

),

open_promises as (

    select
        promises.customer_id,
        count(*) as open_promise_count
    from {{ ref('int_promises_to_pay_validated') }} as promises
    cross join extract_date
    where
        promises.created_date <= extract_date.extract_date
        and {{ add_days('promises.promised_date', var('promise_grace_days')) }}
        >= extract_date.extract_date
    group by 1

),

open_disputes as (

    select
        disputes.customer_id,
        count(*) as open_dispute_count
    from {{ ref('int_disputes_validated') }} as disputes
    cross join extract_date
    where
        disputes.opened_date <= extract_date.extract_date
        and (
            disputes.resolved_date is null
            or disputes.resolved_date > extract_date.extract_date
        )
    group by 1

),

final as (

    select
        {{ dbt.concat([
            'actions.customer_id', "'|'", 'actions.worklist_action',
        ]) }}
            as worklist_item_id,
        extract_date.extract_date as worklist_date,
        actions.customer_id,
        customers.customer_name,
        customers.collector_id,
        actions.worklist_action,
        actions.triggered_on,
        actions.triggering_document_count,
        actions.triggering_document_id,
        actions.deadline_date,
        cast(coalesce(open_positions.open_item_count, 0) as integer)
            as open_item_count,
        coalesce(open_positions.open_amount_reporting, 0)
            as open_amount_reporting,
        cast(open_positions.oldest_days_past_due as integer)
            as oldest_days_past_due,
        last_contacts.last_contact_date,
        last_contacts.last_contact_channel,
        last_contacts.last_contact_outcome,
        cast(coalesce(open_promises.open_promise_count, 0) as integer)
            as open_promise_count,
        cast(coalesce(open_disputes.open_dispute_count, 0) as integer)
            as open_dispute_count,
        actions.customer_id in (select holds.customer_id from holds)
            as is_on_credit_hold,
        credit_limits.credit_limit_use_pct,
        credit_limits.is_over_limit,
        credit_limits.credit_limit_null_reason
    from actions
    cross join extract_date
    left join {{ ref('core_customers') }} as customers
        on actions.customer_id = customers.customer_id
    left join open_positions on actions.customer_id = open_positions.customer_id
    left join last_contacts on actions.customer_id = last_contacts.customer_id
    left join open_promises on actions.customer_id = open_promises.customer_id
    left join open_disputes on actions.customer_id = open_disputes.customer_id
    left join credit_limits on actions.customer_id = credit_limits.customer_id

)

select * from final
