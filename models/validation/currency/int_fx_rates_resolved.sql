-- The rate to the reporting currency for every (currency, date) a document,
-- receipt or promise needs: the most recent quote on or before the date among
-- the direct pair (currency -> reporting) and the inverse pair (reporting ->
-- currency, used as 1 / rate); on a tie of dates the direct quote wins; a quote
-- older than fx_max_staleness_days is missing (kpi_definitions.md). No cross
-- rates. A (currency, date) without a row here has no usable rate.
{%- set reporting = var('reporting_currency') %}

with

quotes as (

    {{ fx_quotes(ref('stg_erp__fx_rates')) }}

),

documents as (

    select
        currency_code,
        document_date
    from {{ ref('stg_erp__ar_documents') }}

),

receipts as (

    select
        currency_code,
        receipt_date
    from {{ ref('stg_erp__cash_receipts') }}

),

promises as (

    select
        customer_id,
        promise_currency_code as currency_code,
        created_date
    from {{ ref('stg_erp__promises_to_pay') }}

),

promise_currencies as (

    select distinct
        customer_id,
        currency_code
    from promises
    where currency_code <> '{{ reporting }}'

),

customer_receipts as (

    select
        customer_id,
        receipt_date
    from {{ ref('stg_erp__cash_receipts') }}

),

dates_needed as (

    select
        currency_code,
        document_date as rate_date
    from documents
    where currency_code <> '{{ reporting }}'

    union

    select
        currency_code,
        receipt_date as rate_date
    from receipts
    where currency_code <> '{{ reporting }}'

    union

    -- A promise converts at its created_date (the cash forecast) and
    -- converts its customer's receipts into its currency at their dates
    -- (promise allocation): every receipt of the customer.
    select
        currency_code,
        created_date as rate_date
    from promises
    where currency_code <> '{{ reporting }}'

    union

    select
        promise_currencies.currency_code,
        customer_receipts.receipt_date as rate_date
    from promise_currencies
    inner join customer_receipts
        on promise_currencies.customer_id = customer_receipts.customer_id

),

candidate_quotes as (

    select
        dates_needed.currency_code,
        dates_needed.rate_date,
        quotes.quote_date,
        quotes.quote_direction,
        quotes.quote_priority,
        quotes.rate_to_reporting
    from dates_needed
    inner join quotes
        on
            dates_needed.currency_code = quotes.currency_code
            and dates_needed.rate_date >= quotes.quote_date
            and {{ dbt.dateadd(
                'day', -var('fx_max_staleness_days'), 'dates_needed.rate_date'
            ) }} <= quotes.quote_date

),

ranked as (

    select
        *,
        row_number() over (
            partition by currency_code, rate_date
            order by quote_date desc, quote_priority asc
        ) as preference
    from candidate_quotes

),

final as (

    select
        currency_code,
        rate_date,
        quote_date,
        quote_direction,
        rate_to_reporting,
        {{ dbt.datediff('quote_date', 'rate_date', 'day') }} as quote_age_days -- noqa: LT05
    from ranked
    where preference = 1

)

select * from final
