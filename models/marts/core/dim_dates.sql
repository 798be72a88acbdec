-- One row per calendar day from the first day of the ledger's first year to
-- the end of the extract date's month (the time spine of the semantic layer,
-- which counts the days of each period from it).

with

calendar as (

    select * from {{ ref('int_calendar_days') }}

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

final as (

    select
        calendar.date_day,
        calendar.month_start_date,
        calendar.month_end_date,
        calendar.quarter_start_date,
        calendar.quarter_end_date,
        calendar.year_start_date,
        calendar.year_end_date,
        calendar.iso_day_of_week,
        calendar.is_before_ledger,
        calendar.is_holiday,
        calendar.is_business_day,
        calendar.date_day = calendar.month_end_date as is_month_end,
        calendar.date_day = extract_date.extract_date as is_extract_date,
        calendar.date_day > extract_date.extract_date as is_after_extract_date
    from calendar
    cross join extract_date

)

select * from final
