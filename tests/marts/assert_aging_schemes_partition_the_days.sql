-- Every aging scheme covers every number of days exactly once: its first
-- bucket has no lower edge, its last no upper edge, each bucket starts the
-- day after the previous one ends and ends on or after its start, and
-- standard has the six buckets the KPIs read. Returns the offending rows.

with

schemes as (

    select
        scheme,
        bucket_order,
        aging_bucket,
        min_days_past_due,
        max_days_past_due,
        lag(max_days_past_due) over (
            partition by scheme order by bucket_order
        ) as previous_max,
        row_number() over (partition by scheme order by bucket_order)
            as bucket_position,
        count(*) over (partition by scheme) as bucket_count
    from {{ ref('int_aging_bucket_schemes') }}

)

select *
from schemes
where
    (bucket_position = 1 and min_days_past_due is not null)
    or (bucket_position > 1 and min_days_past_due is null)
    or (bucket_position > 1 and min_days_past_due <> previous_max + 1)
    or (bucket_position = bucket_count and max_days_past_due is not null)
    or (bucket_position < bucket_count and max_days_past_due is null)
    or max_days_past_due < min_days_past_due
    or (scheme = 'standard' and bucket_count <> 6)
