-- Collection rule 3, escalation lock (kpi_definitions.md): one row per new
-- invoice issued to an account on credit hold that day (an INV/DM of the
-- account at least credit_hold_days_past_due (45) days past due and open at
-- the end of the day: int_credit_hold_intervals), with the credit approval
-- valid that day if any (approved on or before it, valid_until on or after
-- it). Without one the invoice is a violation.

with

invoices as (

    select
        document_id,
        customer_id,
        document_date,
        amount_reporting
    from {{ ref('core_ar_documents') }}
    where document_type = 'INV'

),

holds as (

    select * from {{ ref('int_credit_hold_intervals') }}

),

approvals as (

    select
        approval_id,
        customer_id,
        cast(approved_at as date) as approved_date,
        valid_until_date
    from {{ ref('int_credit_approvals_validated') }}

),

held_invoices as (

    select
        invoices.document_id,
        invoices.customer_id,
        invoices.document_date,
        invoices.amount_reporting,
        count(distinct holds.document_id) as holding_document_count,
        min(holds.document_id) as first_holding_document_id
    from invoices
    inner join holds
        on
            invoices.customer_id = holds.customer_id
            and invoices.document_date >= holds.hold_start_date
            and invoices.document_date < holds.hold_end_date
    group by 1, 2, 3, 4

),

approved as (

    select
        held_invoices.document_id,
        min(approvals.approval_id) as approval_id
    from held_invoices
    inner join approvals
        on
            held_invoices.customer_id = approvals.customer_id
            and held_invoices.document_date >= approvals.approved_date
            and held_invoices.document_date <= approvals.valid_until_date
    group by 1

),

final as (

    select
        held_invoices.document_id,
        held_invoices.customer_id,
        customers.collector_id,
        held_invoices.document_date,
        held_invoices.amount_reporting,
        cast(held_invoices.holding_document_count as integer)
            as holding_document_count,
        held_invoices.first_holding_document_id,
        approved.approval_id,
        approved.approval_id is not null as has_valid_approval,
        approved.approval_id is null as is_violation
    from held_invoices
    left join {{ ref('core_customers') }} as customers
        on held_invoices.customer_id = customers.customer_id
    left join approved on held_invoices.document_id = approved.document_id

)

select * from final
