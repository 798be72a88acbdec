-- What each customer owes, for credit-limit use (kpi_definitions.md v2), at
-- every as-of date (each month end and the extract date): its positive
-- INV/DM balances (an over-applied document owes nothing) per company and
-- currency, in the currency and revalued at the closing rate (the
-- currency's total x the rate, rounded half to even). One row per as-of
-- date, customer, company and currency with a positive balance; without a
-- usable closing rate the revalued amount is NULL with the reason.

with

positive_balances as (

    select
        as_of_date,
        customer_id,
        company_code,
        currency_code,
        sum(open_amount_document) as positive_ar_transaction
    from {{ ref('core_ar_aging_snapshots') }}
    where open_amount_document > 0
    group by 1, 2, 3, 4

),

final as (

    select
        positive_balances.as_of_date,
        positive_balances.customer_id,
        positive_balances.company_code,
        positive_balances.currency_code,
        cast(positive_balances.positive_ar_transaction as decimal(38, 4))
            as positive_ar_transaction,
        {{ to_reporting(
            'positive_balances.positive_ar_transaction', 'rates.closing_rate'
        ) }} as positive_ar_closing_reporting,
        rates.closing_rate_null_reason
    from positive_balances
    inner join {{ ref('int_fx_closing_rates') }} as rates
        on
            positive_balances.currency_code = rates.currency_code
            and positive_balances.as_of_date = rates.as_of_date

)

select * from final
