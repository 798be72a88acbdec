-- One row per as-of date, customer, company and currency with credit memos
-- or cash not yet applied: unapplied credits (negative) and unapplied cash
-- (positive), in transaction and reporting currency (historical rates of the
-- credit memo and the receipt). Unidentified cash has no customer.
-- Net AR = AR + unapplied credits - unapplied cash (kpi_definitions.md).

with

unapplied as (

    select
        as_of_date,
        balance_kind,
        customer_id,
        company_code,
        currency_code,
        unapplied_amount_transaction,
        unapplied_amount_reporting
    from {{ ref('int_unapplied_balances_snapshotted') }}

),

as_of_dates as (

    select
        as_of_date,
        is_month_end,
        is_extract_date
    from {{ ref('int_as_of_dates') }}

),

summed as (

    select
        as_of_date,
        customer_id,
        company_code,
        currency_code,
        sum(case when balance_kind = 'unapplied_credit'
                then unapplied_amount_transaction
            else 0
        end)
            as unapplied_credits_transaction,
        sum(case when balance_kind = 'unapplied_credit'
                then unapplied_amount_reporting
            else 0
        end)
            as unapplied_credits_reporting,
        sum(case when balance_kind = 'unapplied_cash'
                then unapplied_amount_transaction
            else 0
        end)
            as unapplied_cash_transaction,
        sum(case when balance_kind = 'unapplied_cash'
                then unapplied_amount_reporting
            else 0
        end)
            as unapplied_cash_reporting,
        count(*) as open_source_count
    from unapplied
    group by 1, 2, 3, 4

),

final as (

    select
        {{ dbt.concat([dbt.cast('summed.as_of_date', dbt.type_string()), "'|'",
            "coalesce(summed.customer_id, '')", "'|'", 'summed.company_code',
            "'|'", 'summed.currency_code']) }} as unapplied_snapshot_id,
        summed.as_of_date,
        as_of_dates.is_month_end,
        as_of_dates.is_extract_date,
        summed.customer_id,
        summed.customer_id is null as is_unidentified_cash,
        summed.company_code,
        summed.currency_code,
        cast(summed.unapplied_credits_transaction as decimal(38, 4))
            as unapplied_credits_transaction,
        {{ to_money('summed.unapplied_credits_reporting') }}
            as unapplied_credits_reporting,
        cast(summed.unapplied_cash_transaction as decimal(38, 4))
            as unapplied_cash_transaction,
        {{ to_money('summed.unapplied_cash_reporting') }}
            as unapplied_cash_reporting,
        cast(summed.open_source_count as integer) as open_source_count
    from summed
    inner join as_of_dates
        on summed.as_of_date = as_of_dates.as_of_date

)

select * from final
