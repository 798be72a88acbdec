{#- Balances at every as-of date (int_as_of_dates: month ends before the
    extract date, and the extract date) from dated balance events.

    Each event falls in the first as-of date on or after it: the month end of
    its month, or the extract date in the extract date's month. Per key the
    changes are summed per as-of date and accumulated over as-of dates, so a
    balance at an as-of date counts exactly the events dated on or before it.
    Keys whose final balance is zero stop at the as-of date of their last
    event. Returns key, as_of_date and the two balances, where the balance in
    `amount_column` is not zero.

    events:         a relation or CTE name with key, event_date and the amount
                    columns
    amount_column:  transaction-currency change (exact decimal)
    reporting_column: reporting-currency change
    extract_date, as_of_dates: the relations util_extract_date and
                    int_as_of_dates (the caller names its parents) -#}

{% macro running_balances(
    events, key, amount_column, reporting_column, extract_date, as_of_dates
) %}

with

event_changes as (

    select
        {{ key }},
        case
            when {{ dbt.last_day('event_date', 'month') }}
                >= (select extract_date from {{ extract_date }})
                then (select extract_date from {{ extract_date }})
            else cast({{ dbt.last_day('event_date', 'month') }} as date)
        end as as_of_date,
        sum({{ amount_column }}) as balance_change,
        sum({{ reporting_column }}) as balance_change_reporting
    from {{ events }}
    group by 1, 2

),

spans as (

    select
        {{ key }},
        min(as_of_date) as first_as_of_date,
        max(as_of_date) as last_as_of_date,
        sum(balance_change) as final_balance
    from event_changes
    group by 1

),

key_as_of_dates as (

    select
        spans.{{ key }},
        as_of_dates.as_of_date
    from spans
    inner join {{ as_of_dates }} as as_of_dates
        on
            spans.first_as_of_date <= as_of_dates.as_of_date
            and (
                spans.final_balance <> 0
                or spans.last_as_of_date > as_of_dates.as_of_date
            )

),

accumulated as (

    select
        key_as_of_dates.{{ key }},
        key_as_of_dates.as_of_date,
        sum(coalesce(event_changes.balance_change, 0)) over (
            partition by key_as_of_dates.{{ key }}
            order by key_as_of_dates.as_of_date
            rows between unbounded preceding and current row
        ) as balance,
        sum(coalesce(event_changes.balance_change_reporting, 0)) over (
            partition by key_as_of_dates.{{ key }}
            order by key_as_of_dates.as_of_date
            rows between unbounded preceding and current row
        ) as balance_reporting
    from key_as_of_dates
    left join event_changes
        on
            key_as_of_dates.{{ key }} = event_changes.{{ key }}
            and key_as_of_dates.as_of_date = event_changes.as_of_date

)

select * from accumulated
where balance <> 0

{% endmacro %}
