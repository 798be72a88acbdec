-- The closing rate of every currency of the ledger (documents, receipts and
-- credit limits) and of the GL's working capital at every as-of date (each
-- month end and the extract date): the rate lookup of kpi_definitions.md
-- (Currency) at that date, for the closing-rate view, credit-limit use and
-- the cash conversion cycle (v2). One row per currency and
-- as-of date. A currency whose latest quote on or before the date is older
-- than fx_max_staleness_days, or that has none, has no closing rate and says
-- why; the reporting currency's rate is 1.
{%- set reporting = var('reporting_currency') %}

with

quotes as (

    {{ fx_quotes(ref('stg_erp__fx_rates')) }}

),

as_of_dates as (

    select
        as_of_date,
        is_month_end
    from {{ ref('int_as_of_dates') }}

),

currencies as (

    select currency_code from {{ ref('core_ar_documents') }}
    union
    select currency_code from {{ ref('core_cash_receipts') }}
    union
    select credit_currency_code as currency_code
    from {{ ref('core_customers') }}
    where credit_currency_code is not null
    union
    select currency_code from {{ ref('stg_erp__working_capital') }}
    union
    select '{{ reporting }}' as currency_code

),

grid as (

    select
        currencies.currency_code,
        as_of_dates.as_of_date,
        as_of_dates.is_month_end
    from currencies
    cross join as_of_dates

),

latest_quotes as (

    -- The latest quote on or before the date whatever its age, so that a
    -- stale one is named; on a tie of dates the direct quote wins.
    select
        grid.currency_code,
        grid.as_of_date,
        quotes.quote_date,
        quotes.quote_direction,
        quotes.rate_to_reporting,
        row_number() over (
            partition by grid.currency_code, grid.as_of_date
            order by quotes.quote_date desc, quotes.quote_priority asc
        ) as preference
    from grid
    inner join quotes
        on
            grid.currency_code = quotes.currency_code
            and grid.as_of_date >= quotes.quote_date

),

joined as (

    select
        grid.currency_code,
        grid.as_of_date,
        grid.is_month_end,
        latest_quotes.quote_date,
        latest_quotes.quote_direction,
        latest_quotes.rate_to_reporting,
        {{ dbt.datediff('latest_quotes.quote_date', 'grid.as_of_date', 'day') }}
            as quote_age_days
    from grid
    left join latest_quotes
        on
            grid.currency_code = latest_quotes.currency_code
            and grid.as_of_date = latest_quotes.as_of_date
            and latest_quotes.preference = 1

),

final as (

    select
        currency_code,
        as_of_date,
        is_month_end,
        quote_date,
        quote_age_days,
        case
            when currency_code = '{{ reporting }}' then 'reporting currency'
            else quote_direction
        end as quote_direction,
        case
            when currency_code = '{{ reporting }}' then {{ to_rate('1') }}
            when quote_age_days <= {{ var('fx_max_staleness_days') }}
                then rate_to_reporting
        end as closing_rate,
        case
            when currency_code = '{{ reporting }}' then null
            when
                quote_age_days is null
                or quote_age_days > {{ var('fx_max_staleness_days') }}
                then {{ dbt.concat(["'no usable '", 'currency_code',
                    "' rate at the period end'"]) }}
        end as closing_rate_null_reason
    from joined

)

select * from final
