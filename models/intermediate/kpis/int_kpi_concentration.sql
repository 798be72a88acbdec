-- Concentration of AR at each period end, per segment: the largest
-- customer group's share of AR (customers grouped under their parent where
-- one is set) and the Herfindahl-Hirschman index of group shares on a
-- 0-10,000 scale. Groups with no positive AR hold no receivable and add
-- nothing to the index (an over-applied group would otherwise raise it).

with

facts as (

    select * from {{ ref('int_kpi_customer_period_facts') }}

),

group_balances as (

    {%- set aggregates = ['sum(ar_end) as group_ar_end'] %}
    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {{ rollup_to_segments('facts', aggregates, ['customer_group_id']) }} -- noqa: PRS, LT05

),

segment_balances as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        customer_group_id,
        group_ar_end,
        sum(group_ar_end) over (
            partition by
                period_grain, period_start_date, segment_type, segment_value
        ) as segment_ar_end
    from group_balances
    where customer_group_id is not null

),

final as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        cast(
            count(
                case when group_ar_end > 0 then 1 end
            ) as {{ dbt.type_bigint() }}
        )
            as customer_group_count,
        case
            when max(segment_ar_end) > 0
                then max(group_ar_end) / max(segment_ar_end) * 100
        end as largest_customer_share_pct,
        case
            when max(segment_ar_end) > 0
                then sum(
                        case
                            when group_ar_end > 0
                                then (group_ar_end / segment_ar_end * 100)
                                    * (group_ar_end / segment_ar_end * 100)
                            else 0
                        end
                    )
        end as hhi
    from segment_balances
    group by 1, 2, 3, 4

)

select * from final
