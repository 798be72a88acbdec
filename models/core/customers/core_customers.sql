-- One row per customer with the attributes KPIs segment by (current values:
-- history of customer attributes is kept by the audit trail, not applied
-- retroactively). Personal data stays out: the billing contact's e-mail is
-- reduced to a hash (to count or match contacts), name and phone are
-- dropped, and so are collectors' names.

with

customers as (

    select
        customer_id,
        customer_name,
        parent_customer_id,
        industry,
        country_code,
        region,
        customer_since_date,
        credit_limit_amount,
        credit_currency_code,
        payment_terms_days,
        collector_id,
        billing_contact_email
    from {{ ref('stg_erp__customers') }}

),

collectors as (

    select
        collector_id,
        team_name
    from {{ ref('stg_erp__collectors') }}

),

final as (

    select
        customers.customer_id,
        customers.customer_name,
        parents.customer_id as parent_customer_id,
        -- Customers grouped under their parent where it exists (concentration).
        coalesce(parents.customer_id, customers.customer_id)
            as customer_group_id,
        customers.industry,
        customers.country_code,
        customers.region,
        customers.customer_since_date,
        customers.credit_limit_amount,
        customers.credit_currency_code,
        cast(customers.payment_terms_days as integer) as payment_terms_days,
        customers.collector_id,
        collectors.team_name as collector_team_name,
        {{ dbt.hash('lower(customers.billing_contact_email)') }}
            as billing_contact_email_hash
    from customers
    left join customers as parents
        on customers.parent_customer_id = parents.customer_id
    left join collectors
        on customers.collector_id = collectors.collector_id

)

select * from final
