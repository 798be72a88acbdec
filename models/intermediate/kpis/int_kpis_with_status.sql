-- The wide KPI rows with the status of each of the five RPM benchmarks
-- (DSO, CEI, % past 60, bad debt ratio, ADD), how many are missed (status
-- not good; a NULL KPI misses nothing), the systemic flag (two or more
-- missed) and the ledger notes of kpi_definitions.md.
{%- set rpm_kpis = [] %}
{%- for kpi in kpi_catalog() if kpi.rpm_benchmark %}
    {%- do rpm_kpis.append(kpi.name) %}
{%- endfor %}

with

kpis as (

    select * from {{ ref('int_kpis_by_period_segment') }}

),

statuses as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        {%- for name in rpm_kpis %}
            max(case when kpi_name = '{{ name }}' then status end)
                as {{ name }}_status,
        {%- endfor %}
        count(case when status <> 'good' then 1 end) as benchmarks_missed
    from {{ ref('int_kpi_statuses') }}
    where kpi_name in (
            {%- for name in rpm_kpis %}
                '{{ name }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )
    group by 1, 2, 3, 4

),

final as (

    select
        kpis.*,
        {%- for name in rpm_kpis %}
            statuses.{{ name }}_status,
        {%- endfor %}
        coalesce(statuses.benchmarks_missed, 0) as benchmarks_missed,
        coalesce(statuses.benchmarks_missed, 0) >= 2 as is_systemic,
        kpis.active_account_count < {{ var('min_active_accounts') }}
            as is_too_small_for_formal_kpis,
        coalesce(
            kpis.largest_customer_share_pct
            > {{ var('single_customer_dependency_share') }} * 100,
            false
        ) as has_single_customer_dependency
    from kpis
    left join statuses
        on
            kpis.period_grain = statuses.period_grain
            and kpis.period_start_date = statuses.period_start_date
            and kpis.segment_type = statuses.segment_type
            and kpis.segment_value = statuses.segment_value

)

select * from final
