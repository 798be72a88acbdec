-- AR and net AR in total at every as-of date (each month end and the
-- extract date), for the ledger and per company, at historical rates and at
-- the closing rate, with the unrealised FX difference (kpi_definitions.md
-- v2, Closing-rate view). A closing total is NULL only when a currency
-- without a usable closing rate has a non-zero balance in it; the reason
-- names those currencies. Per currency: int_ar_closing_rate_balances.

with

balances as (

    select * from {{ ref('int_ar_closing_rate_balances') }}

),

flagged as (

    select
        *,
        closing_rate is null and ar_transaction <> 0 as blocks_ar_total,
        closing_rate is null and net_ar_transaction <> 0
            as blocks_net_ar_total,
        case
            when
                closing_rate is null
                and (ar_transaction <> 0 or net_ar_transaction <> 0)
                then currency_code
        end as blocking_currency_code
    from balances

),

levels as (

    select 'ledger' as segment_type
    union all
    select 'company' as segment_type

),

scopes as (

    -- Each row counts in the ledger's total and in its company's.
    select
        flagged.*,
        levels.segment_type,
        case
            when levels.segment_type = 'company' then flagged.company_code
            else 'all'
        end as segment_value
    from flagged
    cross join levels

),

totals as (

    select
        as_of_date,
        is_month_end,
        segment_type,
        segment_value,
        sum(ar_historical_reporting) as ar_historical_reporting,
        sum(net_ar_historical_reporting) as net_ar_historical_reporting,
        sum(coalesce(ar_closing_reporting, 0)) as ar_closing_known,
        sum(coalesce(net_ar_closing_reporting, 0)) as net_ar_closing_known,
        max(case when blocks_ar_total then 1 else 0 end) as ar_blocked,
        max(case when blocks_net_ar_total then 1 else 0 end) as net_ar_blocked,
        -- Spark joins an empty list to '': no blocking currency either.
        nullif(
            {{ sorted_text_list('blocking_currency_code', ', ') }}, ''
        ) as blocking_currency_codes
    from scopes
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
            when ar_blocked = 0 then {{ to_money('ar_closing_known') }}
        end as ar_closing_reporting,
        case
            when net_ar_blocked = 0 then {{ to_money('net_ar_closing_known') }}
        end as net_ar_closing_reporting,
        case
            when ar_blocked = 0
                then {{ to_money(
                    'ar_closing_known - ar_historical_reporting'
                ) }}
        end as ar_unrealised_fx_reporting,
        case
            when net_ar_blocked = 0
                then {{ to_money(
                    'net_ar_closing_known - net_ar_historical_reporting'
                ) }}
        end as net_ar_unrealised_fx_reporting,
        case
            when blocking_currency_codes is not null
                then {{ dbt.concat(["'no usable '", 'blocking_currency_codes',
                    "' rate at the period end'"]) }}
        end as closing_rate_null_reason
    from totals

)

select * from final
