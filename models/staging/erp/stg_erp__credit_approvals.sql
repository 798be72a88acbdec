with

base as (

    select
        _raw_row_id,
        approval_id,
        customer_id,
        approved_by,
        approved_at,
        valid_until
    from {{ ref('base_erp__credit_approvals') }}
    where row_status = 'staged'

),

renamed as (

    select
        approval_id,
        customer_id,
        approved_by,
        approved_at,
        valid_until as valid_until_date,
        _raw_row_id
    from base

)

select * from renamed
