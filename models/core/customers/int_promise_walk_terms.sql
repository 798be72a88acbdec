-- Spark and Databricks only: the promise allocation walk's inputs as the
-- arrays its Spark form folds (macro spark__promise_allocation_walk), one
-- row per promise of a cluster with receipts. A table because Spark plans a
-- recursive CTE's non-recursive CTEs again at every step: on the demo the
-- walk took 96 s with these arrays as CTEs and 31 s reading this table.
{{ config(enabled=target.type in ('spark', 'databricks')) }}

with

promises as (

    select * from {{ ref('int_promise_walk_promises') }}

),

receipts as (

    select * from {{ ref('int_promise_walk_receipts') }}

),

conversions as (

    select * from {{ ref('int_promise_walk_conversions') }}

),

-- The cluster's receipts in allocation order (date, then receipt_id).
cluster_receipts as (

    select
        cluster_id,
        array_sort(collect_list(struct(receipt_date, receipt_id, amount_receipt)))
            as receipt_list
    from receipts
    group by cluster_id

),

-- For each receipt of the cluster (same order): units of the promise
-- currency one unit of the receipt buys, or NULL when the receipt cannot
-- pay the promise (outside its window, or no rate).
promise_units as (

    select
        promises.cluster_id,
        promises.promise_sequence,
        promises.promise_id,
        promises.customer_id,
        promises.promised_amount,
        transform(
            array_sort(collect_list(struct(
                receipts.receipt_date,
                receipts.receipt_id,
                case
                    when receipts.receipt_date >= promises.created_date
                        and receipts.receipt_date <= promises.window_end_date
                        then conversions.units_per_receipt_unit
                end as units
            ))),
            receipt -> receipt.units
        ) as units_per_receipt
    from promises
    inner join receipts on promises.cluster_id = receipts.cluster_id
    left join conversions
        on
            receipts.receipt_id = conversions.receipt_id
            and promises.promise_currency_code = conversions.promise_currency_code
    group by 1, 2, 3, 4, 5

),

final as (

    select
        promise_units.cluster_id,
        promise_units.promise_sequence,
        promise_units.promise_id,
        promise_units.customer_id,
        promise_units.promised_amount,
        promise_units.units_per_receipt,
        cluster_receipts.receipt_list
    from promise_units
    inner join cluster_receipts on promise_units.cluster_id = cluster_receipts.cluster_id

)

select * from final
