-- Dispute resolution time per period, segment and dispute type: disputes
-- resolved in the period, the median and 90th percentile of
-- resolved_date - opened_date (continuous percentiles), the type's SLA and
-- the status of the median against it (seed kpi_benchmarks).

with

quantiles as (

    select * from {{ ref('int_kpi_day_quantiles') }}
    where measure = 'dispute_resolution'

),

periods as (

    select * from {{ ref('int_kpi_periods') }}

),

statuses as (

    select * from {{ ref('int_kpi_statuses') }}
    where kpi_name = 'dispute_resolution_median_days'

),

slas as (

    select
        benchmark_key as dispute_type,
        max_value as sla_days
    from {{ ref('kpi_benchmarks') }}
    where kpi_name = 'dispute_resolution_median_days' and status = 'good'

),

final as (

    select
        {{ dbt.concat([
            'quantiles.period_grain', "'|'",
            dbt.cast('quantiles.period_start_date', dbt.type_string()), "'|'",
            'quantiles.segment_type', "'|'", 'quantiles.segment_value', "'|'",
            'quantiles.variant',
        ]) }} as dispute_resolution_id,
        quantiles.period_grain,
        quantiles.period_start_date,
        periods.period_end_date,
        periods.is_partial_period,
        periods.is_closed,
        quantiles.segment_type,
        quantiles.segment_value,
        quantiles.variant as dispute_type,
        cast(quantiles.event_count as integer) as resolved_dispute_count,
        quantiles.median_days,
        quantiles.p90_days,
        slas.sla_days,
        statuses.status
    from quantiles
    inner join periods
        on
            quantiles.period_grain = periods.period_grain
            and quantiles.period_start_date = periods.period_start_date
    left join slas on quantiles.variant = slas.dispute_type
    left join statuses
        on
            quantiles.period_grain = statuses.period_grain
            and quantiles.period_start_date = statuses.period_start_date
            and quantiles.segment_type = statuses.segment_type
            and quantiles.segment_value = statuses.segment_value
            and quantiles.variant = statuses.kpi_variant

)

select * from final
