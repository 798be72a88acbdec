-- Collection rule 1, month-end statement run (kpi_definitions.md): one
-- action per active account with an open INV/DM at a month end, with the
-- summary of its open positions. Carried out if a `statement` activity for
-- the account is dated from the month end to statement_window_days (3) days
-- after it; an action whose window has not ended by the extract date is
-- not yet due (is_due false) and counts in no compliance rate.

with

open_items as (

    select
        as_of_date,
        customer_id,
        count(*) as open_item_count,
        sum(open_amount_reporting) as open_amount_reporting,
        max(days_past_due) as oldest_days_past_due
    from {{ ref('core_ar_aging_snapshots') }}
    where is_month_end
    group by 1, 2
    -- An over-applied document owes nothing and triggers no statement
    -- (v2); an account with one that owes still gets one.
    having max(open_amount_reporting) > 0

),

customers as (

    select
        customer_id,
        collector_id
    from {{ ref('core_customers') }}

),

statements as (

    select
        activity_id,
        customer_id,
        activity_date
    from {{ ref('int_collection_activities_validated') }}
    where channel = 'statement'

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

matched as (

    select
        open_items.as_of_date,
        open_items.customer_id,
        min(statements.activity_date) as statement_date,
        min(statements.activity_id) as statement_activity_id
    from open_items
    inner join statements
        on
            open_items.customer_id = statements.customer_id
            and open_items.as_of_date <= statements.activity_date
            and statements.activity_date <= {{ dbt.dateadd(
                'day', var('statement_window_days'), 'open_items.as_of_date') }}
    group by 1, 2

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('open_items.as_of_date', dbt.type_string()), "'|'",
            'open_items.customer_id',
        ]) }} as statement_action_id,
        open_items.as_of_date as month_end_date,
        open_items.customer_id,
        customers.collector_id,
        cast(open_items.open_item_count as integer) as open_item_count,
        {{ to_money('open_items.open_amount_reporting') }}
            as open_amount_reporting,
        cast(open_items.oldest_days_past_due as integer)
            as oldest_days_past_due,
        matched.statement_date,
        matched.statement_activity_id,
        matched.statement_date is not null as is_carried_out,
        {{ add_days('open_items.as_of_date', var('statement_window_days')) }}
        <= extract_date.extract_date as is_due
    from open_items
    cross join extract_date
    left join customers on open_items.customer_id = customers.customer_id
    left join matched
        on
            open_items.as_of_date = matched.as_of_date
            and open_items.customer_id = matched.customer_id

)

select * from final
