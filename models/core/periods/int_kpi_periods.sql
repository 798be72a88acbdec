-- One row per reporting period: every calendar month, quarter and year from
-- the ledger's first month to the extract date. A period the extract date
-- cuts short ends there (is_partial_period) and counts only its elapsed days.
-- AR at the start of a period is AR at the end of the day before it
-- (ar_begin_date); both dates are snapshot dates of the aging snapshots.

with

calendar as (

    select
        date_day,
        month_start_date,
        month_end_date,
        quarter_start_date,
        quarter_end_date,
        year_start_date,
        year_end_date
    from {{ ref('int_calendar_days') }}
    where not is_before_ledger

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

grains as (

    select distinct
        'month' as period_grain,
        month_start_date as period_start_date,
        month_end_date as calendar_end_date
    from calendar

    union all

    select distinct
        'quarter' as period_grain,
        quarter_start_date as period_start_date,
        quarter_end_date as calendar_end_date
    from calendar

    union all

    select distinct
        'year' as period_grain,
        year_start_date as period_start_date,
        year_end_date as calendar_end_date
    from calendar

),

bounded as (

    select
        grains.period_grain,
        grains.period_start_date,
        grains.calendar_end_date,
        case
            when grains.calendar_end_date > extract_date.extract_date
                then extract_date.extract_date
            else grains.calendar_end_date
        end as period_end_date,
        grains.calendar_end_date > extract_date.extract_date
            as is_partial_period,
        -- Closed once the extract date is close_lag_days past the period's
        -- calendar end (quarters and years close with their last month).
        extract_date.extract_date >= {{ dbt.dateadd(
            'day', var('close_lag_days'), 'grains.calendar_end_date') }}
            as is_closed,
        -- A month's billing cohort is judged at the end of month m+3 (the
        -- day before m+4 starts), once that month is closed (v2).
        case
            when grains.period_grain = 'month'
                then extract_date.extract_date >= {{ dbt.dateadd(
                    'day',
                    var('close_lag_days'),
                    add_days(
                        dbt.dateadd('month', 4, 'grains.period_start_date'), -1
                    )
                ) }}
        end as is_m3_closed
    from grains
    cross join extract_date
    where grains.period_start_date <= extract_date.extract_date

),

final as (

    select
        period_grain,
        period_start_date,
        period_end_date,
        {{ add_days('period_start_date', -1) }}
            as ar_begin_date,
        cast({{ dbt.date_trunc('month', 'period_end_date') }} as date)
            as end_month_start_date,
        {{ days_between('period_start_date', 'period_end_date') }} + 1
            as days_in_period,
        is_partial_period,
        is_closed,
        is_m3_closed
    from bounded

)

select * from final
