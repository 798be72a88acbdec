-- What a receipt of the allocation walk is worth in the currency of each
-- promise of its cluster (int_promise_allocations).

with

promises as (

    select
        cluster_id,
        promise_currency_code
    from {{ ref('int_promise_walk_promises') }}

),

receipts as (

    select
        receipt_id,
        cluster_id,
        receipt_date,
        currency_code,
        fx_rate_to_reporting
    from {{ ref('int_promise_walk_receipts') }}

),

fx_rates as (

    select
        currency_code,
        rate_date,
        rate_to_reporting
    from {{ ref('int_fx_rates_resolved') }}

),

-- Receipt amount per promise currency: units of the promise currency one
-- unit of the receipt buys at the receipt date.
conversions as (

    select distinct
        receipts.receipt_id,
        promises.promise_currency_code,
        -- A double, like the walk it feeds (D53): a ratio of two decimal
        -- rates would be cut to 6 places on Spark.
        case
            when
                receipts.currency_code = promises.promise_currency_code
                then 1.0
            when promises.promise_currency_code
                = '{{ var("reporting_currency") }}'
                then cast(receipts.fx_rate_to_reporting as {{ type_double() }})
            else {{ ratio(
                'receipts.fx_rate_to_reporting', 'fx_rates.rate_to_reporting'
            ) }}
        end as units_per_receipt_unit
    from receipts
    inner join promises on receipts.cluster_id = promises.cluster_id
    left join fx_rates
        on
            promises.promise_currency_code = fx_rates.currency_code
            and receipts.receipt_date = fx_rates.rate_date

)

select * from conversions
