-- The receipts of the allocation walk (int_promise_allocations): a
-- customer's cleared, never-reversed receipts that fall in at least one of
-- its promise windows, with the cluster of those windows and the last
-- promise (in allocation order) whose window holds them.

with

promises as (

    select
        promise_id,
        customer_id,
        cluster_id,
        created_date,
        window_end_date,
        promise_sequence
    from {{ ref('int_promise_walk_promises') }}

),

receipts as (

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

)

select * from receipts
