-- Every promise to pay with what it received and its status
-- (kpi_definitions.md, "Promise-to-pay rules"): kept when the receipts
-- allocated to it (int_promise_allocations) reach (1 - promise_tolerance)
-- of its amount; otherwise broken once its window (promised_date +
-- promise_grace_days) has passed by the extract date, pending while it is
-- still open.

with

promises as (

    select * from {{ ref('int_promises_to_pay_validated') }}

),

allocations as (

    select
        promise_id,
        {{ to_money("sum(allocated_promise_amount)") }} as received_amount,
        count(*) as allocated_receipt_count
    from {{ ref('int_promise_allocations') }}
    group by 1

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

final as (

    select
        promises.promise_id,
        promises.customer_id,
        customers.collector_id,
        promises.activity_id,
        promises.document_id,
        promises.created_date,
        promises.promised_date,
        {{ add_days('promises.promised_date', var('promise_grace_days')) }}
            as window_end_date,
        promises.promise_currency_code,
        promises.promised_amount,
        {{ to_money('coalesce(allocations.received_amount, 0)') }}
            as received_amount,
        cast(coalesce(allocations.allocated_receipt_count, 0) as integer)
            as allocated_receipt_count,
        case
            when
                coalesce(allocations.received_amount, 0)
                >= (1 - {{ var('promise_tolerance') }})
                * promises.promised_amount
                then 'kept'
            when
                {{ add_days('promises.promised_date',
                    var('promise_grace_days')) }}
                < extract_date.extract_date
                then 'broken'
            else 'pending'
        end as promise_status
    from promises
    cross join extract_date
    left join allocations on promises.promise_id = allocations.promise_id
    left join {{ ref('core_customers') }} as customers
        on promises.customer_id = customers.customer_id

)

select * from final
