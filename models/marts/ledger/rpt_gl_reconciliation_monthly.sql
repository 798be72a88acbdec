-- One row per company and month end: the subledger's net AR (AR + unapplied
-- credits - unapplied cash, historical rates) against the GL AR control
-- balance in the reporting currency, the difference and a status:
-- reconciled (|difference| <= var gl_tolerance), difference, no_gl_balance.

with

balances as (

    select
        company_code,
        as_of_date,
        sum(open_amount_reporting) as ar_reporting
    from {{ ref('core_ar_aging_snapshots') }}
    where is_month_end
    group by 1, 2

),

unapplied as (

    select
        company_code,
        as_of_date,
        sum(unapplied_credits_reporting) as unapplied_credits_reporting,
        sum(unapplied_cash_reporting) as unapplied_cash_reporting
    from {{ ref('core_unapplied_balance_snapshots') }}
    where is_month_end
    group by 1, 2

),

gl_balances as (

    select
        company_code,
        period_end_date,
        gl_balance
    from {{ ref('stg_erp__gl_ar_control_balances') }}
    where currency_code = '{{ var("reporting_currency") }}'

),

month_ends as (

    select as_of_date from {{ ref('int_as_of_dates') }}
    where is_month_end

),

companies as (

    select company_code from balances
    union
    select company_code from unapplied
    union
    select company_code from gl_balances

),

grid as (

    select
        companies.company_code,
        month_ends.as_of_date as period_end_date
    from companies
    cross join month_ends

),

joined as (

    select
        grid.company_code,
        grid.period_end_date,
        gl_balances.gl_balance,
        coalesce(balances.ar_reporting, 0) as ar_reporting,
        coalesce(unapplied.unapplied_credits_reporting, 0)
            as unapplied_credits_reporting,
        coalesce(unapplied.unapplied_cash_reporting, 0)
            as unapplied_cash_reporting
    from grid
    left join balances
        on
            grid.company_code = balances.company_code
            and grid.period_end_date = balances.as_of_date
    left join unapplied
        on
            grid.company_code = unapplied.company_code
            and grid.period_end_date = unapplied.as_of_date
    left join gl_balances
        on
            grid.company_code = gl_balances.company_code
            and grid.period_end_date = gl_balances.period_end_date

),

final as (

    select
        {{ dbt.concat(['company_code', "'|'",
            dbt.cast('period_end_date', dbt.type_string())]) }}
            as reconciliation_id,
        company_code,
        period_end_date,
        ar_reporting,
        unapplied_credits_reporting,
        unapplied_cash_reporting,
        ar_reporting + unapplied_credits_reporting
        - unapplied_cash_reporting as net_ar_reporting,
        {{ to_money("gl_balance") }} as gl_balance_reporting,
        {{ to_money("gl_balance") }} - (
            ar_reporting
            + unapplied_credits_reporting
            - unapplied_cash_reporting
        ) as difference_reporting,
        case
            when gl_balance is null then 'no_gl_balance'
            when abs(
                    {{ to_money("gl_balance") }} - (
                        ar_reporting + unapplied_credits_reporting
                        - unapplied_cash_reporting
                    )
                ) <= {{ var('gl_tolerance') }} then 'reconciled'
            else 'difference'
        end as reconciliation_status
    from joined

)

select * from final
