-- Every named aging scheme, one row per scheme and bucket: 'standard' (seed
-- aging_buckets, the one every KPI reads) and the schemes a user adds in
-- seed aging_bucket_schemes (kpi_definitions.md v2, bucket schemes).

with

standard as (

    select
        'standard' as scheme,
        bucket_order,
        aging_bucket,
        min_days_past_due,
        max_days_past_due
    from {{ ref('aging_buckets') }}

),

added as (

    select
        scheme,
        bucket_order,
        aging_bucket,
        min_days_past_due,
        max_days_past_due
    from {{ ref('aging_bucket_schemes') }}

),

final as (

    select * from standard
    union all
    select * from added

)

select * from final
