-- Which periods each calendar month belongs to: its month, its quarter and
-- its year (one row each). Flows counted per month are summed into every
-- period grain through this table. Every month of every period is here,
-- also a month before the ledger's first month inside its first quarter or
-- year (a survey answered in November belongs to Q4 even when the first
-- document is dated in December): such a month has no month period of its
-- own, only its quarter and year.

with

periods as (

    select
        period_grain,
        period_start_date,
        period_end_date
    from {{ ref('int_kpi_periods') }}

),

days as (

    {{ date_series(
        '(select min(period_start_date) from periods)',
        '(select max(period_end_date) from periods)'
    ) }}

),

months as (

    select distinct
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date)
            as month_start_date
    from days

),

final as (

    select
        months.month_start_date,
        periods.period_grain,
        periods.period_start_date
    from months
    inner join periods
        on
            months.month_start_date >= periods.period_start_date
            and months.month_start_date <= periods.period_end_date

)

select * from final
