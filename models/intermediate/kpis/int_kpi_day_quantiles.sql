-- Median and 90th percentile of the day counts in int_kpi_day_distributions,
-- per period, segment, measure and variant, with the number of events.
-- Continuous percentiles (linear interpolation between the two nearest
-- ranks, as percentile_cont): with the n values sorted and indexed from 0,
-- the p-quantile sits at h = p * (n - 1) and is
--   v[floor(h)] + (h - floor(h)) * (v[ceil(h)] - v[floor(h)]).

with

distributions as (

    select
        *,
        sum(event_count) over (
            partition by
                period_grain, period_start_date, segment_type, segment_value,
                measure, variant
            order by elapsed_days
            rows between unbounded preceding and current row
        ) as events_through_days,
        sum(event_count) over (
            partition by
                period_grain, period_start_date, segment_type, segment_value,
                measure, variant
        ) as total_events
    from {{ ref('int_kpi_day_distributions') }}

),

ranked as (

    select
        *,
        events_through_days - event_count as events_before_days,
        0.5 * (total_events - 1) as median_position,
        0.9 * (total_events - 1) as p90_position
    from distributions

),

picked as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        measure,
        variant,
        {#- The value at each 0-based index of the sorted values. #}
        {%- for name, position in [
            ('median_low', 'floor(median_position)'),
            ('median_high', 'ceil(median_position)'),
            ('p90_low', 'floor(p90_position)'),
            ('p90_high', 'ceil(p90_position)'),
        ] %}
            max(
                case
                    when
                        events_before_days <= {{ position }}
                        and {{ position }} < events_through_days
                        then elapsed_days
                end
            ) as {{ name }},
        {%- endfor %}
        max(total_events) as event_count,
        max(median_position) - floor(max(median_position)) as median_fraction,
        max(p90_position) - floor(max(p90_position)) as p90_fraction
    from ranked
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        measure,
        variant,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(
            median_low + median_fraction * (median_high - median_low)
            as {{ type_double() }}
        ) as median_days,
        cast(
            p90_low + p90_fraction * (p90_high - p90_low)
            as {{ type_double() }}
        ) as p90_days
    from picked

)

select * from final
