-- The status of every benchmarked KPI value (seed kpi_benchmarks, from
-- kpi_definitions.md "Benchmarks and status"): one row per period, segment,
-- KPI and variant with a non-NULL value, the benchmark key it was judged
-- by and the status whose range holds the value. DSO is judged by the
-- industry's range for industry segments (seed industry_benchmark_groups;
-- unmapped industries and every other segment type use the default range);
-- dispute resolution by the SLA of its dispute type.

with

kpis as (

    select * from {{ ref('int_kpis_by_period_segment') }}

),

industry_groups as (

    select
        benchmark_key,
        lower(industry) as industry_lower
    from {{ ref('industry_benchmark_groups') }}

),

benchmarks as (

    select * from {{ ref('kpi_benchmarks') }}

),

dispute_resolution as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        'dispute_resolution_median_days' as kpi_name,
        variant as kpi_variant,
        variant as benchmark_key,
        median_days as kpi_value
    from {{ ref('int_kpi_day_quantiles') }}
    where measure = 'dispute_resolution'

),

values_to_judge as (

    {%- for kpi in kpi_catalog() if kpi.rpm_benchmark %}
        select
            kpis.period_grain,
            kpis.period_start_date,
            kpis.segment_type,
            kpis.segment_value,
            '{{ kpi.name }}' as kpi_name,
            'all' as kpi_variant,
            {%- if kpi.name == 'dso_days' %}
                case
                    when kpis.segment_type = 'industry'
                        then coalesce(industry_groups.benchmark_key, 'default')
                    else 'default'
                end as benchmark_key,
            {%- else %}
                'default' as benchmark_key,
            {%- endif %}
            kpis.{{ kpi.name }} as kpi_value
        from kpis
        {%- if kpi.name == 'dso_days' %}
        left join industry_groups
            on
                kpis.segment_type = 'industry'
                and lower(kpis.segment_value) = industry_groups.industry_lower
        {%- endif %}
        where kpis.{{ kpi.name }} is not null

        union all
    {%- endfor %}

    select * from dispute_resolution
    where kpi_value is not null

),

final as (

    select
        values_to_judge.*,
        benchmarks.status,
        good.description as benchmark_description,
        good.min_value as benchmark_good_min_value,
        good.max_value as benchmark_good_max_value
    from values_to_judge
    left join benchmarks
        on
            values_to_judge.kpi_name = benchmarks.kpi_name
            and values_to_judge.benchmark_key = benchmarks.benchmark_key
            -- Judged at 6 decimals: 29.999999999999993 days (a sum in another
            -- order) is 30 days and meets a ">= 30" edge like 30.0 does.
            and (
                benchmarks.min_value is null
                or {{ round_exact('values_to_judge.kpi_value', 6) }}
                > benchmarks.min_value
                or (
                    benchmarks.min_inclusive
                    and {{ round_exact('values_to_judge.kpi_value', 6) }}
                    = benchmarks.min_value
                )
            )
            and (
                benchmarks.max_value is null
                or {{ round_exact('values_to_judge.kpi_value', 6) }}
                < benchmarks.max_value
                or (
                    benchmarks.max_inclusive
                    and {{ round_exact('values_to_judge.kpi_value', 6) }}
                    = benchmarks.max_value
                )
            )
    left join benchmarks as good
        on
            values_to_judge.kpi_name = good.kpi_name
            and values_to_judge.benchmark_key = good.benchmark_key
            and good.status = 'good'

)

select * from final
