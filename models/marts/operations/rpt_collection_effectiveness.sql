-- Promise-to-pay kept rate and right-party-contact rate per period and
-- segment (kpi_definitions.md): promises whose promised_date falls in the
-- period, kept / (kept + broken) (pending ones are in neither); outbound
-- calls in the period, the share with an outcome that reached the right
-- party (right_party_contact, promise_to_pay, dispute_raised, refused).
-- Customer segments (collector included) and the whole ledger.
{%- set counts = [
    'promise_due_count', 'promise_kept_count', 'promise_broken_count',
    'promise_pending_count', 'outbound_call_count', 'right_party_contact_count',
] %}

with

periods as (

    select * from {{ ref('int_kpi_periods') }}

),

events as (

    select
        cast({{ dbt.date_trunc('month', 'promised_date') }} as date)
            as month_start_date,
        customer_id,
        1 as promise_due_count,
        case
            when promise_status = 'kept' then 1 else 0
        end as promise_kept_count,
        case when promise_status = 'broken' then 1 else 0 end
            as promise_broken_count,
        case when promise_status = 'pending' then 1 else 0 end
            as promise_pending_count,
        0 as outbound_call_count,
        0 as right_party_contact_count
    from {{ ref('core_promises_to_pay') }}

    union all

    select
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date)
            as month_start_date,
        customer_id,
        0 as promise_due_count,
        0 as promise_kept_count,
        0 as promise_broken_count,
        0 as promise_pending_count,
        1 as outbound_call_count,
        case
            when
                outcome in (
                    'right_party_contact', 'promise_to_pay', 'dispute_raised',
                    'refused'
                )
                then 1
            else 0
        end as right_party_contact_count
    from {{ ref('int_collection_activities_validated') }}
    where channel = 'call' and direction = 'outbound'

),

monthly as (

    select
        month_start_date,
        customer_id,
        sum(promise_due_count) as promise_due_count,
        sum(promise_kept_count) as promise_kept_count,
        sum(promise_broken_count) as promise_broken_count,
        sum(promise_pending_count) as promise_pending_count,
        sum(outbound_call_count) as outbound_call_count,
        sum(right_party_contact_count) as right_party_contact_count
    from events
    group by 1, 2

),

attributed as (

    {{ customer_months_to_period_segments(
        'monthly', counts,
        month_periods=ref('int_kpi_month_periods'),
        segments=ref('int_kpi_customer_period_segments'),
    ) }}

),

rolled_up as (

    {%- set aggregates = sums_of(counts) %}
    {%- do aggregates.append(
        'sum(promise_kept_count + promise_broken_count) as promise_judged_count'
    ) %}
    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {{ rollup_to_segments('attributed', aggregates) }} -- noqa: PRS, LT05

),

final as (

    select
        {{ dbt.concat([
            'rolled_up.period_grain', "'|'",
            dbt.cast('rolled_up.period_start_date', dbt.type_string()), "'|'",
            'rolled_up.segment_type', "'|'", 'rolled_up.segment_value',
        ]) }} as effectiveness_id,
        rolled_up.period_grain,
        rolled_up.period_start_date,
        periods.period_end_date,
        periods.is_partial_period,
        periods.is_closed,
        rolled_up.segment_type,
        rolled_up.segment_value,
        {%- for column in counts %}
            cast(rolled_up.{{ column }} as integer) as {{ column }},
        {%- endfor %}
        case
            when rolled_up.promise_judged_count > 0
                then
                    cast(rolled_up.promise_kept_count as {{ type_double() }})
                    / rolled_up.promise_judged_count * 100
        end as promise_kept_rate_pct,
        case
            when rolled_up.outbound_call_count > 0
                then
                    cast(
                        rolled_up.right_party_contact_count
                        as {{ type_double() }}
                    )
                    / rolled_up.outbound_call_count * 100
        end as right_party_contact_rate_pct
    from rolled_up
    inner join periods
        on
            rolled_up.period_grain = periods.period_grain
            and rolled_up.period_start_date = periods.period_start_date

)

select * from final
