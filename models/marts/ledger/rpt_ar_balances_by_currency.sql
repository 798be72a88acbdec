-- One row per as-of date and transaction currency: open AR, unapplied
-- credits and unapplied cash in that currency and in the reporting currency
-- (historical rates), so totals per currency tie to the reporting totals.

with

open_items as (

    select
        as_of_date,
        currency_code,
        open_amount_document,
        open_amount_reporting
    from {{ ref('core_ar_aging_snapshots') }}

),

unapplied as (

    select
        as_of_date,
        currency_code,
        unapplied_credits_transaction,
        unapplied_credits_reporting,
        unapplied_cash_transaction,
        unapplied_cash_reporting
    from {{ ref('core_unapplied_balance_snapshots') }}

),

ar_totals as (

    select
        as_of_date,
        currency_code,
        sum(open_amount_document) as ar_transaction,
        sum(open_amount_reporting) as ar_reporting,
        count(*) as open_document_count
    from open_items
    group by 1, 2

),

unapplied_totals as (

    select
        as_of_date,
        currency_code,
        sum(unapplied_credits_transaction) as unapplied_credits_transaction,
        sum(unapplied_credits_reporting) as unapplied_credits_reporting,
        sum(unapplied_cash_transaction) as unapplied_cash_transaction,
        sum(unapplied_cash_reporting) as unapplied_cash_reporting
    from unapplied
    group by 1, 2

),

keys as (

    select
        as_of_date,
        currency_code
    from ar_totals
    union
    select
        as_of_date,
        currency_code
    from unapplied_totals

),

final as (

    select
        {{ dbt.concat([dbt.cast('keys.as_of_date', dbt.type_string()), "'|'",
            'keys.currency_code']) }} as currency_balance_id,
        keys.as_of_date,
        keys.currency_code,
        cast(coalesce(ar_totals.ar_transaction, 0) as decimal(38, 4))
            as ar_transaction,
        coalesce(ar_totals.ar_reporting, 0) as ar_reporting,
        cast(
            coalesce(unapplied_totals.unapplied_credits_transaction, 0)
            as decimal(38, 4)
        ) as unapplied_credits_transaction,
        coalesce(unapplied_totals.unapplied_credits_reporting, 0)
            as unapplied_credits_reporting,
        cast(
            coalesce(unapplied_totals.unapplied_cash_transaction, 0)
            as decimal(38, 4)
        ) as unapplied_cash_transaction,
        coalesce(unapplied_totals.unapplied_cash_reporting, 0)
            as unapplied_cash_reporting,
        cast(coalesce(ar_totals.open_document_count, 0) as integer)
            as open_document_count
    from keys
    left join ar_totals
        on
            keys.as_of_date = ar_totals.as_of_date
            and keys.currency_code = ar_totals.currency_code
    left join unapplied_totals
        on
            keys.as_of_date = unapplied_totals.as_of_date
            and keys.currency_code = unapplied_totals.currency_code

)

select * from final
