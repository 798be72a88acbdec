-- Disputes per period, segment and dispute type (and 'all' types): opened,
-- resolved, resolved after the type's SLA, open at the period end and those
-- older than their SLA, disputed amounts, the share of AR under dispute,
-- and the median and 90th percentile resolution days of disputes resolved
-- in the period against the SLA, with the process-breakdown flag (median
-- above 45 days).

with

facts as (

    select * from {{ ref('int_dispute_period_facts') }}

),

periods as (

    select * from {{ ref('int_kpi_periods') }}

),

segment_ar as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        ar_end
    from {{ ref('int_kpi_segment_period_facts') }}

),

quantiles as (

    select * from {{ ref('int_kpi_day_quantiles') }}
    where measure = 'dispute_resolution'

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

by_type as (

    {%- set sums = [
        'opened_count', 'resolved_count', 'resolved_after_sla_count',
        'open_end_count', 'open_end_over_sla_count', 'open_end_disputed_amount',
        'open_end_disputed_document_ar', 'open_end_any_dispute_document_ar',
    ] %}
    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {{ rollup_to_segments('facts', sums_of(sums), ['dispute_type']) }} -- noqa: PRS, LT05

),

with_all_types as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        dispute_type,
        opened_count,
        resolved_count,
        resolved_after_sla_count,
        open_end_count,
        open_end_over_sla_count,
        open_end_disputed_amount,
        open_end_disputed_document_ar as ar_under_dispute
    from by_type

    union all

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        'all' as dispute_type,
        sum(opened_count) as opened_count,
        sum(resolved_count) as resolved_count,
        sum(resolved_after_sla_count) as resolved_after_sla_count,
        sum(open_end_count) as open_end_count,
        sum(open_end_over_sla_count) as open_end_over_sla_count,
        sum(open_end_disputed_amount) as open_end_disputed_amount,
        sum(open_end_any_dispute_document_ar) as ar_under_dispute
    from by_type
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ dbt.concat([
            'with_all_types.period_grain', "'|'",
            dbt.cast('with_all_types.period_start_date', dbt.type_string()), "'|'",
            'with_all_types.segment_type', "'|'",
            'with_all_types.segment_value', "'|'",
            'with_all_types.dispute_type',
        ]) }} as dispute_summary_id,
        with_all_types.period_grain,
        with_all_types.period_start_date,
        periods.period_end_date,
        periods.is_partial_period,
        periods.is_closed,
        with_all_types.segment_type,
        with_all_types.segment_value,
        with_all_types.dispute_type,
        cast(with_all_types.opened_count as integer) as opened_count,
        cast(with_all_types.resolved_count as integer) as resolved_count,
        cast(with_all_types.resolved_after_sla_count as integer)
            as resolved_after_sla_count,
        cast(with_all_types.open_end_count as integer) as open_end_count,
        cast(with_all_types.open_end_over_sla_count as integer)
            as open_end_over_sla_count,
        with_all_types.open_end_disputed_amount,
        coalesce(with_all_types.ar_under_dispute, 0) as ar_under_dispute,
        segment_ar.ar_end,
        case
            when segment_ar.ar_end > 0
                then {{ ratio(
                    'coalesce(with_all_types.ar_under_dispute, 0)',
                    'segment_ar.ar_end', 100
                ) }}
        end as ar_under_dispute_pct,
        quantiles.median_days as resolution_median_days,
        quantiles.p90_days as resolution_p90_days,
        slas.sla_days,
        statuses.status as resolution_status,
        coalesce(statuses.status = 'process_breakdown', false)
            as is_process_breakdown
    from with_all_types
    inner join periods
        on
            with_all_types.period_grain = periods.period_grain
            and with_all_types.period_start_date = periods.period_start_date
    left join segment_ar
        on
            with_all_types.period_grain = segment_ar.period_grain
            and with_all_types.period_start_date = segment_ar.period_start_date
            and with_all_types.segment_type = segment_ar.segment_type
            and with_all_types.segment_value = segment_ar.segment_value
    left join quantiles
        on
            with_all_types.period_grain = quantiles.period_grain
            and with_all_types.period_start_date = quantiles.period_start_date
            and with_all_types.segment_type = quantiles.segment_type
            and with_all_types.segment_value = quantiles.segment_value
            and with_all_types.dispute_type = quantiles.variant
    left join slas on with_all_types.dispute_type = slas.dispute_type
    left join statuses
        on
            with_all_types.period_grain = statuses.period_grain
            and with_all_types.period_start_date = statuses.period_start_date
            and with_all_types.segment_type = statuses.segment_type
            and with_all_types.segment_value = statuses.segment_value
            and with_all_types.dispute_type = statuses.kpi_variant

)

select * from final
