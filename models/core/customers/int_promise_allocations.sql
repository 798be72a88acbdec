-- Receipts allocated to promises to pay (kpi_definitions.md, "Promise-to-pay
-- rules"): a customer's cleared, never-reversed receipts dated from a
-- promise's created_date to its promised_date + promise_grace_days (3) go to
-- the customer's promises in promised_date order (then promise_id), each
-- promise taking from its eligible receipts in date order (then receipt_id)
-- up to its amount; a receipt may be split across promises. Amounts
-- convert to the promise currency at the receipt date through the reporting
-- currency (no conversion when the currencies are equal; a receipt without
-- a rate for the promise currency that day cannot pay it).
-- One row per promise and receipt that received an allocation.
--
-- The allocation is sequential, so a recursive CTE walks the promises in
-- order, one promise per step, carrying what is left of each receipt. Only
-- promises whose windows overlap compete for receipts: the walk runs per
-- cluster of overlapping windows of a customer (a receipt date falls in the
-- windows of one cluster at most), which keeps the steps few, and a receipt
-- leaves the walk once spent or past the last window that holds it. The
-- inputs of the steps are computed once (materialized_cte), not per step.

with recursive

promise_windows as (

    select
        promise_id,
        customer_id,
        created_date,
        promised_date,
        {{ add_days('promised_date', var('promise_grace_days')) }}
            as window_end_date,
        promised_amount,
        promise_currency_code
    from {{ ref('int_promises_to_pay_validated') }}

),

cluster_starts as (

    -- A window starting after every earlier window (by start) has ended
    -- starts a new cluster.
    select
        *,
        case
            when created_date <= max(window_end_date)
                    over (
                        partition by customer_id
                        order by created_date, promise_id
                        rows between unbounded preceding and 1 preceding
                    )
                then 0
            else 1
        end as is_cluster_start
    from promise_windows

),

clustered as (

    select
        *,
        sum(is_cluster_start) over (
            partition by customer_id
            order by created_date, promise_id
            rows between unbounded preceding and current row
        ) as cluster_number
    from cluster_starts

),

promises as {{ materialized_cte() }} (

    select
        promise_id,
        customer_id,
        {{ dbt.concat(['customer_id', "'|'",
            dbt.cast('cluster_number', dbt.type_string())]) }} as cluster_id,
        created_date,
        promised_date,
        window_end_date,
        promised_amount,
        promise_currency_code,
        row_number() over (
            partition by customer_id, cluster_number
            order by promised_date, promise_id
        ) as promise_sequence
    from clustered

),

fx_rates as (

    select
        currency_code,
        rate_date,
        rate_to_reporting
    from {{ ref('int_fx_rates_resolved') }}

),

receipts as {{ materialized_cte() }} (

    -- Receipts that can pay at least one promise of their customer, with
    -- the last promise (in allocation order) whose window holds them.
    select
        receipts.receipt_id,
        receipts.customer_id,
        promises.cluster_id,
        receipts.receipt_date,
        receipts.currency_code,
        receipts.amount_receipt,
        receipts.fx_rate_to_reporting,
        max(promises.promise_sequence) as last_promise_sequence
    from {{ ref('core_cash_receipts') }} as receipts
    inner join promises
        on
            receipts.customer_id = promises.customer_id
            and receipts.receipt_date >= promises.created_date
            and receipts.receipt_date <= promises.window_end_date
    -- A receipt is reversed by its reversal_date, whatever its status says
    -- (contract v2; one reversed after the extract date is not yet).
    where not receipts.is_reversed
    group by 1, 2, 3, 4, 5, 6, 7

),

-- Receipt amount per promise currency: units of the promise currency one
-- unit of the receipt buys at the receipt date.
conversions as {{ materialized_cte() }} (

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

),

{{ promise_allocation_walk() }},

final as (

    select
        promise_id,
        receipt_id,
        customer_id,
        receipt_date,
        allocated_promise_amount,
        allocated_receipt_amount
    from allocation_steps
    where step > 0 and allocated_promise_amount > 0

)

select * from final
