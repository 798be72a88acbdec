-- Concentration of AR at each period end, per segment: the largest
-- customer group's share of AR (customers grouped under their parent where
-- one is set) and the Herfindahl-Hirschman index of group shares on a
-- 0-10,000 scale, both of the positive group balances (kpi_definitions.md
-- v2); NULL when no group has a positive balance.

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

    -- Shares are of the sum of positive group balances (v2): a group with a
    -- negative balance (over-applied) holds no receivable and is left out.
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
    where customer_group_id is not null and group_ar_end > 0

),

final as (

    -- HHI = sum of squared shares x 10,000 = sum(g^2) / (sum g)^2 x 10,000,
    -- the squares summed in exact decimal.
    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        cast(count(*) as {{ dbt.type_bigint() }}) as customer_group_count,
        {{ ratio('max(group_ar_end)', 'max(segment_ar_end)', 100) }}
            as largest_customer_share_pct,
        {{ ratio(
            'sum(group_ar_end * group_ar_end)',
            'max(segment_ar_end) * max(segment_ar_end)', 10000
        ) }} as hhi
    from segment_balances
    group by 1, 2, 3, 4

)

select * from final
