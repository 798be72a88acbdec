-- Source timestamps carry no zone: they are taken as UTC (DECISIONS.md).
with

base as (

    select
        _raw_row_id,
        activity_id,
        customer_id,
        document_id,
        activity_ts,
        channel,
        direction,
        collector_id,
        outcome,
        contact_name
    from {{ ref('base_erp__collection_activities') }}
    where row_status = 'staged'

),

renamed as (

    select
        activity_id,
        customer_id,
        document_id,
        activity_ts as activity_at,
        channel,
        direction,
        collector_id,
        outcome,
        contact_name,
        _raw_row_id,
        cast(activity_ts as date) as activity_date
    from base

)

select * from renamed
