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
-- walk's inputs are tables of their own (int_promise_walk_promises,
-- _receipts, _conversions; on Spark also _terms), computed once rather than
-- at every step.

with recursive

promises as (

    select
        promise_id,
        customer_id,
        cluster_id,
        created_date,
        window_end_date,
        promised_amount,
        promise_currency_code,
        promise_sequence
    from {{ ref('int_promise_walk_promises') }}

),

receipts as (

    select
        receipt_id,
        customer_id,
        cluster_id,
        receipt_date,
        amount_receipt,
        last_promise_sequence
    from {{ ref('int_promise_walk_receipts') }}

),

conversions as (

    select
        receipt_id,
        promise_currency_code,
        units_per_receipt_unit
    from {{ ref('int_promise_walk_conversions') }}

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
