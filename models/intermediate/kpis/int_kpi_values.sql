-- One row per KPI value: period, segment, KPI, variant (an aging bucket or a
-- dispute type; 'all' otherwise), value, unit, and for benchmarked KPIs the
-- benchmark it was judged by and its status. The long shape of
-- rpt_kpis_monthly / _quarterly / _yearly for BI tools that pivot; a NULL
-- value is kept (its inputs are in the wide tables).

with

kpis as (

    select * from {{ ref('int_kpis_by_period_segment') }}

),

periods as (

    select * from {{ ref('int_kpi_periods') }}

),

buckets as (

    select
        bucket_order,
        aging_bucket
    from {{ ref('aging_buckets') }}

),

quantiles as (

    select * from {{ ref('int_kpi_day_quantiles') }}
    where measure = 'dispute_resolution'

),

statuses as (

    select * from {{ ref('int_kpi_statuses') }}

),

long_values as (

    {%- for kpi in kpi_catalog() %}
        select
            period_grain,
            period_start_date,
            segment_type,
            segment_value,
            '{{ kpi.name }}' as kpi_name,
            'all' as kpi_variant,
            '{{ kpi.unit }}' as unit,
            cast({{ kpi.name }} as {{ type_double() }}) as kpi_value
        from kpis

        union all
    {%- endfor %}
    {%- for order in range(1, 7) %}
    {%- for name, column, unit in [
        ('aging_bucket_ar_end', 'bucket_' ~ order ~ '_ar_end', 'reporting currency'),
        ('aging_bucket_share_pct', 'bucket_' ~ order ~ '_share_pct', 'percent'),
    ] %}
            select
                kpis.period_grain,
                kpis.period_start_date,
                kpis.segment_type,
                kpis.segment_value,
                '{{ name }}' as kpi_name,
                buckets.aging_bucket as kpi_variant,
                '{{ unit }}' as unit,
                cast(kpis.{{ column }} as {{ type_double() }}) as kpi_value
            from kpis
            inner join buckets on buckets.bucket_order = {{ order }}

            union all
        {%- endfor %}
    {%- endfor %}

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        'dispute_resolution_median_days' as kpi_name,
        variant as kpi_variant,
        'days' as unit,
        cast(median_days as {{ type_double() }}) as kpi_value
    from quantiles

    union all

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        'dispute_resolution_p90_days' as kpi_name,
        variant as kpi_variant,
        'days' as unit,
        cast(p90_days as {{ type_double() }}) as kpi_value
    from quantiles

),

final as (

    select
        {{ dbt.concat([
            'long_values.period_grain', "'|'",
            dbt.cast('long_values.period_start_date', dbt.type_string()), "'|'",
            'long_values.segment_type', "'|'", 'long_values.segment_value', "'|'",
            'long_values.kpi_name', "'|'", 'long_values.kpi_variant',
        ]) }} as kpi_value_id,
        long_values.period_grain,
        long_values.period_start_date,
        periods.period_end_date,
        periods.is_partial_period,
        periods.is_closed,
        long_values.segment_type,
        long_values.segment_value,
        long_values.kpi_name,
        long_values.kpi_variant,
        long_values.kpi_value,
        long_values.unit,
        statuses.benchmark_key,
        statuses.benchmark_description,
        statuses.benchmark_good_min_value,
        statuses.benchmark_good_max_value,
        statuses.status
    from long_values
    inner join periods
        on
            long_values.period_grain = periods.period_grain
            and long_values.period_start_date = periods.period_start_date
    left join statuses
        on
            long_values.period_grain = statuses.period_grain
            and long_values.period_start_date = statuses.period_start_date
            and long_values.segment_type = statuses.segment_type
            and long_values.segment_value = statuses.segment_value
            and long_values.kpi_name = statuses.kpi_name
            and long_values.kpi_variant = statuses.kpi_variant

)

select * from final
