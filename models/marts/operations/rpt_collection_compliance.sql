-- Compliance with the collection rules per period, segment and rule: the
-- share of triggered actions carried out (kpi_definitions.md, "Collection
-- rules"), counting actions by their trigger date and only those already
-- due at the extract date. For the credit hold the actions are the invoices
-- issued to held accounts, carried out when a credit approval was valid.
-- Actions belong to accounts, so segments are the customer's (industry,
-- region, country, collector, size band) and the whole ledger; company and
-- currency segments have no rows.

with

periods as (

    select * from {{ ref('int_kpi_periods') }}

),

actions as (

    select
        'month_end_statement' as collection_rule,
        month_end_date as trigger_date,
        customer_id,
        is_carried_out
    from {{ ref('int_statement_actions') }}
    where is_due

    union all

    select
        'first_call' as collection_rule,
        trigger_date,
        customer_id,
        is_carried_out
    from {{ ref('int_first_call_actions') }}
    where is_due

    union all

    select
        'credit_hold' as collection_rule,
        document_date as trigger_date,
        customer_id,
        has_valid_approval as is_carried_out
    from {{ ref('int_credit_hold_invoices') }}

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'trigger_date') }} as date)
            as month_start_date,
        collection_rule,
        customer_id,
        count(*) as triggered_count,
        sum(case when is_carried_out then 1 else 0 end) as carried_out_count
    from actions
    group by 1, 2, 3

),

attributed as (

    {{ customer_months_to_period_segments(
        'monthly', ['collection_rule', 'triggered_count', 'carried_out_count'],
        month_periods=ref('int_kpi_month_periods'),
        segments=ref('int_kpi_customer_period_segments'),
    ) }}

),

rolled_up as (

    {%- set aggregates = [
        'sum(triggered_count) as triggered_count',
        'sum(carried_out_count) as carried_out_count',
    ] %}
    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {{ rollup_to_segments('attributed', aggregates, ['collection_rule']) }} -- noqa: PRS, LT05

),

final as (

    select
        {{ dbt.concat([
            'rolled_up.period_grain', "'|'",
            dbt.cast('rolled_up.period_start_date', dbt.type_string()), "'|'",
            'rolled_up.segment_type', "'|'", 'rolled_up.segment_value', "'|'",
            'rolled_up.collection_rule',
        ]) }} as compliance_id,
        rolled_up.period_grain,
        rolled_up.period_start_date,
        periods.period_end_date,
        periods.is_partial_period,
        periods.is_closed,
        rolled_up.segment_type,
        rolled_up.segment_value,
        rolled_up.collection_rule,
        cast(rolled_up.triggered_count as integer) as triggered_count,
        cast(rolled_up.carried_out_count as integer) as carried_out_count,
        case
            when rolled_up.triggered_count > 0
                then
                    cast(rolled_up.carried_out_count as {{ type_double() }})
                    / rolled_up.triggered_count * 100
        end as compliance_pct
    from rolled_up
    inner join periods
        on
            rolled_up.period_grain = periods.period_grain
            and rolled_up.period_start_date = periods.period_start_date

)

select * from final
