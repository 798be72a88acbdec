-- The dates balances and aging are snapshotted at: every month end before
-- the extract date, and the extract date itself (the partial last month
-- ends there). One row per as_of_date.

with

calendar as (

    select
        date_day,
        month_start_date,
        month_end_date
    from {{ ref('int_calendar_days') }}
    where not is_before_ledger

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

final as (

    select
        calendar.date_day as as_of_date,
        calendar.month_start_date,
        calendar.date_day = calendar.month_end_date as is_month_end,
        calendar.date_day = extract_date.extract_date as is_extract_date
    from calendar
    cross join extract_date
    where
        (
            calendar.date_day = calendar.month_end_date
            and calendar.date_day < extract_date.extract_date
        )
        or calendar.date_day = extract_date.extract_date

)

select * from final
