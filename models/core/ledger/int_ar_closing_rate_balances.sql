-- AR and net AR of each company and currency at every as-of date (each month
-- end and the extract date), at historical rates (as every KPI) and revalued
-- at the closing rate (kpi_definitions.md v2, Closing-rate view). Each
-- component (AR, unapplied credits, unapplied cash) is revalued on its
-- transaction-currency total, so net AR = AR + credits - cash holds exactly
-- in both views. Without a usable closing rate the closing figures are NULL
-- with the reason.

with

open_items as (

    select
        as_of_date,
        company_code,
        currency_code,
        sum(open_amount_document) as ar_transaction,
        sum(open_amount_reporting) as ar_historical
    from {{ ref('core_ar_aging_snapshots') }}
    group by 1, 2, 3

),

unapplied as (

    select
        as_of_date,
        company_code,
        currency_code,
        sum(unapplied_credits_transaction) as unapplied_credits_transaction,
        sum(unapplied_credits_reporting) as unapplied_credits_historical,
        sum(unapplied_cash_transaction) as unapplied_cash_transaction,
        sum(unapplied_cash_reporting) as unapplied_cash_historical
    from {{ ref('core_unapplied_balance_snapshots') }}
    group by 1, 2, 3

),

keys as (

    select
        as_of_date,
        company_code,
        currency_code
    from open_items
    union
    select
        as_of_date,
        company_code,
        currency_code
    from unapplied

),

balances as (

    select
        keys.as_of_date,
        keys.company_code,
        keys.currency_code,
        cast(coalesce(open_items.ar_transaction, 0) as decimal(38, 4))
            as ar_transaction,
        cast(
            coalesce(unapplied.unapplied_credits_transaction, 0)
            as decimal(38, 4)
        ) as unapplied_credits_transaction,
        cast(
            coalesce(unapplied.unapplied_cash_transaction, 0)
            as decimal(38, 4)
        ) as unapplied_cash_transaction,
        {{ to_money('coalesce(open_items.ar_historical, 0)') }}
            as ar_historical,
        {{ to_money('coalesce(unapplied.unapplied_credits_historical, 0)') }}
            as unapplied_credits_historical,
        {{ to_money('coalesce(unapplied.unapplied_cash_historical, 0)') }}
            as unapplied_cash_historical
    from keys
    left join open_items
        on
            keys.as_of_date = open_items.as_of_date
            and keys.company_code = open_items.company_code
            and keys.currency_code = open_items.currency_code
    left join unapplied
        on
            keys.as_of_date = unapplied.as_of_date
            and keys.company_code = unapplied.company_code
            and keys.currency_code = unapplied.currency_code

),

revalued as (

    select
        balances.*,
        rates.is_month_end,
        rates.closing_rate,
        rates.quote_date as closing_quote_date,
        rates.closing_rate_null_reason,
        {{ to_reporting('balances.ar_transaction', 'rates.closing_rate') }}
            as ar_closing,
        {{ to_reporting(
            'balances.unapplied_credits_transaction', 'rates.closing_rate'
        ) }} as unapplied_credits_closing,
        {{ to_reporting(
            'balances.unapplied_cash_transaction', 'rates.closing_rate'
        ) }} as unapplied_cash_closing
    from balances
    inner join {{ ref('int_fx_closing_rates') }} as rates
        on
            balances.currency_code = rates.currency_code
            and balances.as_of_date = rates.as_of_date

),

netted as (

    -- Net AR = AR + unapplied credits - unapplied cash, in both views.
    select
        *,
        ar_historical + unapplied_credits_historical
        - unapplied_cash_historical as net_ar_historical,
        ar_closing + unapplied_credits_closing
        - unapplied_cash_closing as net_ar_closing
    from revalued

),

final as (

    select
        {{ dbt.concat([dbt.cast('as_of_date', dbt.type_string()), "'|'",
            'company_code', "'|'", 'currency_code']) }}
            as closing_rate_balance_id,
        as_of_date,
        is_month_end,
        company_code,
        currency_code,
        ar_transaction,
        cast(
            ar_transaction + unapplied_credits_transaction
            - unapplied_cash_transaction
            as decimal(38, 4)
        ) as net_ar_transaction,
        ar_historical as ar_historical_reporting,
        {{ to_money('net_ar_historical') }} as net_ar_historical_reporting,
        closing_rate,
        closing_quote_date,
        ar_closing as ar_closing_reporting,
        {{ to_money('net_ar_closing') }} as net_ar_closing_reporting,
        {{ to_money('ar_closing - ar_historical') }}
            as ar_unrealised_fx_reporting,
        {{ to_money('net_ar_closing - net_ar_historical') }}
            as net_ar_unrealised_fx_reporting,
        closing_rate_null_reason
    from netted

)

select * from final
