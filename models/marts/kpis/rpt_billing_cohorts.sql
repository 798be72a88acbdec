-- The billing cohorts (kpi_definitions.md v2, billing-cohort at-risk rate;
-- DECISIONS D78): one row per billing month m and segment, the INV/DM issued
-- in m and, once month m+3 is closed, what of them was at risk at its end:
--   at risk = their positive balances at end(m+3)
--             + their net write-offs dated through end(m+3)
-- the split behind cohort_at_risk_amount on the month's row of the wide
-- marts. Segments by the document and its customer in month m.
{%- set summed = [
    'cohort_document_count', 'cohort_amount', 'cohort_open_m3_amount',
    'cohort_net_write_offs_m3_amount',
] %}

with

cohorts as (

    select
        'month' as period_grain,
        billing_month_start_date as period_start_date,
        customer_id,
        company_code,
        currency_code,
        m3_end_date,
        is_m3_closed,
        {{ summed | join(',\n        ') }}
    from {{ ref('int_kpi_billing_cohorts') }}

),

attributed as (

    {{ with_customer_segments(
        'cohorts', ref('int_kpi_customer_period_segments')
    ) }}

),

rolled_up as (

    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {%- set judged_by = ['m3_end_date', 'is_m3_closed'] %}
    {{ rollup_to_segments('attributed', sums_of(summed), judged_by) }} -- noqa: PRS, LT05

),

final as (

    select
        period_start_date as billing_month_start_date,
        segment_type,
        segment_value,
        m3_end_date,
        is_m3_closed,
        cast(cohort_document_count as {{ dbt.type_bigint() }})
            as cohort_document_count,
        {{ to_money('cohort_amount') }} as cohort_amount,
        {{ to_money('cohort_open_m3_amount') }} as cohort_open_m3_amount,
        {{ to_money('cohort_net_write_offs_m3_amount') }}
            as cohort_net_write_offs_m3_amount,
        {{ to_money(
            'cohort_open_m3_amount + cohort_net_write_offs_m3_amount'
        ) }} as cohort_at_risk_amount,
        case
            when is_m3_closed and cohort_amount > 0
                then {{ ratio(
                    'cohort_open_m3_amount + cohort_net_write_offs_m3_amount',
                    'cohort_amount',
                    100
                ) }}
        end as cohort_at_risk_rate_pct,
        case
            when not is_m3_closed then 'month m+3 not closed'
            when cohort_amount <= 0 then 'nothing issued in the month'
        end as cohort_at_risk_null_reason
    from rolled_up

)

select * from final
