-- One row per company and month end: the subledger's net AR (AR + unapplied
-- credits - unapplied cash) against the GL AR control balance in the
-- reporting currency, in both views (kpi_definitions.md v2): at historical
-- rates and revalued at the closing rate, each with its difference and
-- status: reconciled (|difference| <= var gl_tolerance), difference,
-- no_gl_balance, or no_closing_rate (with the reason). The var gl_revalued
-- says which view the GL ties to: reconciliation_status is that view's.
{%- set gl_view = 'closing_rate' if var('gl_revalued') else 'historical' %}

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

closing_rate_totals as (

    select
        segment_value as company_code,
        as_of_date,
        net_ar_closing_reporting,
        net_ar_closing_null_reason
    from {{ ref('int_ar_closing_rate_totals') }}
    where segment_type = 'company' and is_month_end

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
        closing_rate_totals.net_ar_closing_null_reason
            as closing_rate_null_reason,
        coalesce(balances.ar_reporting, 0) as ar_reporting,
        coalesce(unapplied.unapplied_credits_reporting, 0)
            as unapplied_credits_reporting,
        coalesce(unapplied.unapplied_cash_reporting, 0)
            as unapplied_cash_reporting,
        -- No balance at all: 0 in both views.
        case
            when closing_rate_totals.company_code is null then 0
            else closing_rate_totals.net_ar_closing_reporting
        end as net_ar_closing_reporting
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
    left join closing_rate_totals
        on
            grid.company_code = closing_rate_totals.company_code
            and grid.period_end_date = closing_rate_totals.as_of_date

),

differences as (

    select
        *,
        ar_reporting + unapplied_credits_reporting
        - unapplied_cash_reporting as net_ar_reporting,
        {{ to_money("gl_balance") }} - (
            ar_reporting
            + unapplied_credits_reporting
            - unapplied_cash_reporting
        ) as difference_reporting,
        {{ to_money("gl_balance") }} - net_ar_closing_reporting
            as closing_difference_reporting
    from joined

),

statuses as (

    select
        *,
        case
            when gl_balance is null then 'no_gl_balance'
            when abs(difference_reporting) <= {{ var('gl_tolerance') }}
                then 'reconciled'
            else 'difference'
        end as historical_status,
        case
            when gl_balance is null then 'no_gl_balance'
            when closing_difference_reporting is null then 'no_closing_rate'
            when abs(closing_difference_reporting) <= {{ var('gl_tolerance') }}
                then 'reconciled'
            else 'difference'
        end as closing_rate_status
    from differences

),

final as (

    select
        {{ dbt.concat(['company_code', "'|'",
            dbt.cast('period_end_date', dbt.type_string())]) }}
            as reconciliation_id,
        company_code,
        period_end_date,
        {{ to_money('ar_reporting') }} as ar_reporting,
        {{ to_money('unapplied_credits_reporting') }}
            as unapplied_credits_reporting,
        {{ to_money('unapplied_cash_reporting') }} as unapplied_cash_reporting,
        {{ to_money('net_ar_reporting') }} as net_ar_reporting,
        {{ to_money("gl_balance") }} as gl_balance_reporting,
        {{ to_money('difference_reporting') }} as difference_reporting,
        historical_status,
        {{ to_money('net_ar_closing_reporting') }} as net_ar_closing_reporting,
        {{ to_money('closing_difference_reporting') }}
            as closing_difference_reporting,
        closing_rate_status,
        closing_rate_null_reason,
        '{{ gl_view }}' as gl_view,
        {{ gl_view }}_status as reconciliation_status
    from statuses

)

select * from final
