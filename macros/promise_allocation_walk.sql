{#- The allocation walk of int_promise_allocations: one recursive step per
    promise of a cluster (in allocation order), giving it what it can take
    of the cluster's receipts in date order (then receipt_id) and carrying
    what is left of each receipt. Reads the model's CTEs promises, receipts
    and conversions (Spark: the table int_promise_walk_terms); returns CTEs
    ending in `allocation_steps`, one row per step and receipt (step 0: the
    receipts as received) with the promise and the amounts allocated to it. -#}
{% macro promise_allocation_walk() %}
    {{ return(adapter.dispatch('promise_allocation_walk', 'rpm')()) }}
{% endmacro %}


{#- DuckDB, Postgres: a receipt is a row of the step; a window over the
    step's rows sums what the earlier receipts could give. -#}
{% macro default__promise_allocation_walk() %}
allocation_steps (
    customer_id,
    cluster_id,
    step,
    receipt_id,
    receipt_date,
    last_promise_sequence,
    remaining_receipt_amount,
    promise_id,
    allocated_promise_amount,
    allocated_receipt_amount
) as (

    select
        customer_id,
        cluster_id,
        0 as step,
        receipt_id,
        receipt_date,
        last_promise_sequence,
        cast(amount_receipt as {{ type_double() }}) as remaining_receipt_amount,
        cast(null as {{ dbt.type_string() }}) as promise_id,
        cast(0 as {{ type_double() }}) as allocated_promise_amount,
        cast(0 as {{ type_double() }}) as allocated_receipt_amount
    from receipts

    union all

    select
        customer_id,
        cluster_id,
        step,
        receipt_id,
        receipt_date,
        last_promise_sequence,
        remaining_receipt_amount - allocated_receipt_amount,
        promise_id,
        allocated_promise_amount,
        allocated_receipt_amount
    from (
        select
            eligible.*,
            case
                when eligible.is_eligible
                    then least(
                            eligible.available_promise_amount,
                            greatest(
                                0,
                                eligible.promised_amount
                                - eligible.available_before
                            )
                        )
                else 0
            end as allocated_promise_amount,
            case
                when eligible.is_eligible
                    then least(
                            eligible.available_promise_amount,
                            greatest(
                                0,
                                eligible.promised_amount
                                - eligible.available_before
                            )
                        ) / eligible.units_per_receipt_unit
                else 0
            end as allocated_receipt_amount
        from (
            select
                previous.customer_id,
                previous.cluster_id,
                previous.step + 1 as step,
                previous.receipt_id,
                previous.receipt_date,
                previous.last_promise_sequence,
                previous.remaining_receipt_amount,
                promises.promise_id,
                promises.promised_amount,
                conversions.units_per_receipt_unit,
                coalesce(
                    previous.receipt_date >= promises.created_date
                    and previous.receipt_date <= promises.window_end_date
                    and conversions.units_per_receipt_unit is not null
                    and previous.remaining_receipt_amount > 0,
                    false
                ) as is_eligible,
                previous.remaining_receipt_amount
                * conversions.units_per_receipt_unit
                    as available_promise_amount,
                coalesce(sum(
                    case
                        when
                            previous.receipt_date >= promises.created_date
                            and previous.receipt_date
                            <= promises.window_end_date
                            and previous.remaining_receipt_amount > 0
                            then previous.remaining_receipt_amount
                                * conversions.units_per_receipt_unit
                    end
                ) over (
                    partition by previous.cluster_id
                    order by previous.receipt_date, previous.receipt_id
                    rows between unbounded preceding and 1 preceding
                ), 0) as available_before
            from allocation_steps as previous
            inner join promises
                on
                    previous.cluster_id = promises.cluster_id
                    and promises.promise_sequence = previous.step + 1
            left join conversions
                on
                    previous.receipt_id = conversions.receipt_id
                    and promises.promise_currency_code
                    = conversions.promise_currency_code
            -- A spent receipt, or one no later promise's window holds,
            -- leaves the walk.
            where
                previous.remaining_receipt_amount > 0
                and previous.last_promise_sequence > previous.step
        ) as eligible
    ) as allocated

)
{% endmacro %}


{#- Spark: a recursive step may not use window functions or aggregates on
    the step's rows, so a step is one row per cluster holding its receipts
    as arrays (in receipt_date, receipt_id order); the promise's take from
    each receipt is a fold over them (the same arithmetic as the default:
    a receipt gives min(what it can give, what the promise still lacks
    after the earlier receipts)). -#}
{% macro spark__promise_allocation_walk() %}
allocation_walk (
    cluster_id,
    step,
    remaining_receipt_amounts,
    promise_id,
    allocated_promise_amounts,
    allocated_receipt_amounts
) max recursion level 1000000 as (

    select
        cluster_id,
        0 as step,
        transform(receipt_list, receipt -> cast(receipt.amount_receipt as double))
            as remaining_receipt_amounts,
        cast(null as string) as promise_id,
        cast(array() as array<double>) as allocated_promise_amounts,
        cast(array() as array<double>) as allocated_receipt_amounts
    from {{ ref('int_promise_walk_terms') }}
    where promise_sequence = 1

    union all

    select
        cluster_id,
        step,
        zip_with(remaining, allocated_receipt, (left_over, taken) -> left_over - taken),
        promise_id,
        allocated_promise,
        allocated_receipt
    from (
        select
            *,
            zip_with(allocated_promise, units_per_receipt,
                (taken, units) -> case when taken > 0 then taken / units else 0 end
            ) as allocated_receipt
        from (
            select
                previous.cluster_id,
                previous.step + 1 as step,
                previous.remaining_receipt_amounts as remaining,
                terms.promise_id,
                terms.units_per_receipt,
                -- What each receipt can give the promise (NULL: it cannot
                -- pay it), then the fold in receipt order.
                aggregate(
                    zip_with(
                        previous.remaining_receipt_amounts, terms.units_per_receipt,
                        (left_over, units) -> case
                            when left_over > 0 and units is not null then left_over * units
                        end
                    ),
                    named_struct(
                        'before', cast(0 as double), 'taken', cast(array() as array<double>)
                    ),
                    (fold, available) -> named_struct(
                        'before', fold.before + coalesce(available, 0),
                        'taken', concat(fold.taken, array(case
                            when available is not null
                                then least(available, greatest(0, terms.promised_amount - fold.before))
                            else 0
                        end))
                    ),
                    fold -> fold.taken
                ) as allocated_promise
            from allocation_walk as previous
            inner join {{ ref('int_promise_walk_terms') }} as terms
                on
                    previous.cluster_id = terms.cluster_id
                    and terms.promise_sequence = previous.step + 1
        ) as folded
    ) as allocated

),

allocation_steps as (

    select
        walk.promise_id,
        element_at(terms.receipt_list, taken.position + 1).receipt_id as receipt_id,
        terms.customer_id,
        element_at(terms.receipt_list, taken.position + 1).receipt_date as receipt_date,
        walk.step,
        taken.allocated_promise_amount,
        element_at(walk.allocated_receipt_amounts, taken.position + 1)
            as allocated_receipt_amount
    from allocation_walk as walk
    -- The step's promise carries its cluster's receipts (step 0 has no
    -- promise and allocates nothing).
    inner join {{ ref('int_promise_walk_terms') }} as terms on walk.promise_id = terms.promise_id
    lateral view posexplode(walk.allocated_promise_amounts) taken
        as position, allocated_promise_amount

)
{% endmacro %}
