-- Credit-limit use (kpi_definitions.md v2) per customer (not per parent
-- group) at every as-of date (each month end and the extract date) at
-- which it owes something: its positive AR at the closing rate over its
-- credit limit at the closing rate; over limit means above the limit. A
-- customer without a limit, with a limit of 0 (or less), or whose AR or
-- limit has no usable closing rate is left out of the KPI, with the reason
-- (DECISIONS D82). The limit is the customer's current one (the extract's
-- customers table). One row per as-of date and customer with a positive
-- balance.

with

exposures as (

    select
        as_of_date,
        customer_id,
        sum(positive_ar_closing_reporting) as positive_ar_closing_reporting,
        -- The currencies of its AR without a usable closing rate.
        nullif(
            {{ sorted_text_list(
                'case when positive_ar_closing_reporting is null'
                ~ ' then currency_code end', ', '
            ) }}, ''
        ) as unrated_currency_codes
    from {{ ref('int_credit_limit_exposures') }}
    group by 1, 2

),

limits as (

    select
        exposures.as_of_date,
        exposures.customer_id,
        exposures.unrated_currency_codes,
        customers.credit_limit_amount,
        customers.credit_currency_code,
        case
            when exposures.unrated_currency_codes is null
                then exposures.positive_ar_closing_reporting
        end as positive_ar_closing_reporting,
        {{ to_reporting(
            'customers.credit_limit_amount', 'rates.closing_rate'
        ) }} as credit_limit_closing_reporting
    from exposures
    left join {{ ref('core_customers') }} as customers
        on exposures.customer_id = customers.customer_id
    left join {{ ref('int_fx_closing_rates') }} as rates
        on
            customers.credit_currency_code = rates.currency_code
            and exposures.as_of_date = rates.as_of_date

),

reasons as (

    select
        *,
        case
            when credit_limit_amount is null then 'no credit limit'
            when credit_limit_amount <= 0 then 'credit limit 0 or negative'
            when credit_currency_code is null then 'no credit currency'
            when unrated_currency_codes is not null
                then {{ dbt.concat(["'no usable '", 'unrated_currency_codes',
                    "' rate at the period end'"]) }}
            when credit_limit_closing_reporting is null
                then {{ dbt.concat(["'no usable '", 'credit_currency_code',
                    "' rate at the period end'"]) }}
        end as credit_limit_null_reason
    from limits

),

final as (

    select
        {{ dbt.concat([dbt.cast('reasons.as_of_date', dbt.type_string()),
            "'|'", 'reasons.customer_id']) }} as credit_limit_use_id,
        reasons.as_of_date,
        as_of_dates.is_month_end,
        reasons.customer_id,
        {{ to_money('reasons.positive_ar_closing_reporting') }}
            as positive_ar_closing_reporting,
        cast(reasons.credit_limit_amount as decimal(38, 4))
            as credit_limit_amount,
        reasons.credit_currency_code,
        {{ to_money('reasons.credit_limit_closing_reporting') }}
            as credit_limit_closing_reporting,
        case
            when reasons.credit_limit_null_reason is null
                then {{ ratio(
                    'reasons.positive_ar_closing_reporting',
                    'reasons.credit_limit_closing_reporting', 100
                ) }}
        end as credit_limit_use_pct,
        case
            when reasons.credit_limit_null_reason is null
                then
                    reasons.positive_ar_closing_reporting
                    > reasons.credit_limit_closing_reporting
        end as is_over_limit,
        reasons.credit_limit_null_reason
    from reasons
    inner join {{ ref('int_as_of_dates') }} as as_of_dates
        on reasons.as_of_date = as_of_dates.as_of_date

)

select * from final
