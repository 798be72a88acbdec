with

base as (

    select
        _raw_row_id,
        collector_id,
        collector_name,
        team
    from {{ ref('base_erp__collectors') }}
    where row_status = 'staged'

),

renamed as (

    select
        collector_id,
        collector_name,
        team as team_name,
        _raw_row_id
    from base

)

select * from renamed
