-- Which periods each calendar month belongs to: its month, its quarter and
-- its year (one row each). Flows counted per month are summed into every
-- period grain through this table.

with

periods as (

    select
        period_grain,
        period_start_date,
        period_end_date
    from {{ ref('int_kpi_periods') }}

),

final as (

    select
        months.period_start_date as month_start_date,
        periods.period_grain,
        periods.period_start_date
    from periods as months
    inner join periods
        on
            months.period_start_date >= periods.period_start_date
            and months.period_start_date <= periods.period_end_date
    where months.period_grain = 'month'

)

select * from final
