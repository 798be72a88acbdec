-- The promises of the allocation walk (int_promise_allocations): each
-- promise's window (created_date to promised_date + promise_grace_days), its
-- cluster (a customer's promises whose windows overlap, chained by start
-- date) and its place in the cluster's allocation order (promised_date, then
-- promise_id). A table, so that the walk's steps read it instead of
-- computing it again (Spark re-plans a recursive step's inputs each step).

with

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

promises as (

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

)

select * from promises
