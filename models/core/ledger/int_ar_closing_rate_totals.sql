-- AR and net AR in total at every as-of date (each month end and the
-- extract date), for the ledger and per company, at historical rates and at
-- the closing rate, with the unrealised FX difference (kpi_definitions.md
-- v2, Closing-rate view). A closing total is NULL only when a currency
-- without a usable closing rate has a non-zero balance in it; each total's
-- reason names those currencies. Per currency: int_ar_closing_rate_balances.

with

balances as (

    select * from {{ ref('int_ar_closing_rate_balances') }}

),

levels as (

    select 'ledger' as segment_type
    union all
    select 'company' as segment_type

),

scopes as (

    -- Each row counts in the ledger's total and in its company's.
    select
        balances.*,
        levels.segment_type,
        case
            when levels.segment_type = 'company' then balances.company_code
            else 'all'
        end as segment_value
    from balances
    cross join levels

),

currencies as (

    -- Each total's balance per currency: a currency without a usable rate
    -- blocks a total only when its balance in that total is not zero (+50
    -- GBP in one company and -50 GBP in another leave the ledger no GBP).
    select
        as_of_date,
        is_month_end,
        segment_type,
        segment_value,
        currency_code,
        max(case when closing_rate is null then 1 else 0 end) as is_unrated,
        sum(ar_transaction) as ar_transaction,
        sum(net_ar_transaction) as net_ar_transaction,
        sum(ar_historical_reporting) as ar_historical_reporting,
        sum(net_ar_historical_reporting) as net_ar_historical_reporting,
        sum(coalesce(ar_closing_reporting, 0)) as ar_closing_known,
        sum(coalesce(net_ar_closing_reporting, 0)) as net_ar_closing_known
    from scopes
    group by 1, 2, 3, 4, 5

),

flagged as (

    select
        *,
        case
            when is_unrated = 1 and ar_transaction <> 0 then currency_code
        end as ar_blocking_currency_code,
        case
            when is_unrated = 1 and net_ar_transaction <> 0 then currency_code
        end as net_ar_blocking_currency_code
    from currencies

),

totals as (

    select
        as_of_date,
        is_month_end,
        segment_type,
        segment_value,
        sum(ar_historical_reporting) as ar_historical_reporting,
        sum(net_ar_historical_reporting) as net_ar_historical_reporting,
        sum(ar_closing_known) as ar_closing_known,
        sum(net_ar_closing_known) as net_ar_closing_known,
        -- Spark joins an empty list to '': no blocking currency either.
        nullif(
            {{ sorted_text_list('ar_blocking_currency_code', ', ') }}, ''
        ) as ar_blocking_currency_codes,
        nullif(
            {{ sorted_text_list('net_ar_blocking_currency_code', ', ') }}, ''
        ) as net_ar_blocking_currency_codes
    from flagged
    group by 1, 2, 3, 4

),

final as (

    select
        {{ dbt.concat([dbt.cast('as_of_date', dbt.type_string()), "'|'",
            'segment_type', "'|'", 'segment_value']) }}
            as closing_rate_total_id,
        as_of_date,
        is_month_end,
        segment_type,
        segment_value,
        {{ to_money('ar_historical_reporting') }} as ar_historical_reporting,
        {{ to_money('net_ar_historical_reporting') }}
            as net_ar_historical_reporting,
        case
            when ar_blocking_currency_codes is null
                then {{ to_money('ar_closing_known') }}
        end as ar_closing_reporting,
        case
            when net_ar_blocking_currency_codes is null
                then {{ to_money('net_ar_closing_known') }}
        end as net_ar_closing_reporting,
        case
            when ar_blocking_currency_codes is null
                then {{ to_money(
                    'ar_closing_known - ar_historical_reporting'
                ) }}
        end as ar_unrealised_fx_reporting,
        case
            when net_ar_blocking_currency_codes is null
                then {{ to_money(
                    'net_ar_closing_known - net_ar_historical_reporting'
                ) }}
        end as net_ar_unrealised_fx_reporting,
        case
            when ar_blocking_currency_codes is not null
                then {{ dbt.concat(["'no usable '",
                    'ar_blocking_currency_codes',
                    "' rate at the period end'"]) }}
        end as ar_closing_null_reason,
        case
            when net_ar_blocking_currency_codes is not null
                then {{ dbt.concat(["'no usable '",
                    'net_ar_blocking_currency_codes',
                    "' rate at the period end'"]) }}
        end as net_ar_closing_null_reason
    from totals

)

select * from final
