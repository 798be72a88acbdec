-- The inputs of every KPI, one row per period, segment type and segment
-- value: the customer-level facts summed over the segment (macro
-- rollup_to_segments), with the period's dates and days.
{%- set summed = kpi_fact_columns() %}
{#- Counts and score sums are whole numbers (bigint); the rest is money. -#}
{%- set whole_numbers = [
    'open_item_count_end', 'paid_document_count',
    'forecast_error_document_count', 'unforecast_paid_document_count',
    'invoice_count', 'disputed_invoice_count', 'delivered_document_count',
    'electronic_document_count', 'csat_score_sum', 'csat_response_count',
] %}

with

facts as (

    select * from {{ ref('int_kpi_customer_period_facts') }}

),

periods as (

    select * from {{ ref('int_kpi_periods') }}

),

rolled_up as (

    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {{ rollup_to_segments('facts', sums_of(summed)) }} -- noqa: PRS, LT05

),

active_accounts as (

    {%- set counted = ['count(distinct customer_id) as active_account_count'] %}
    {{ rollup_to_segments(ref('int_kpi_active_accounts'), counted) }} -- noqa: PRS, LT05

),

final as (

    select
        rolled_up.period_grain,
        rolled_up.period_start_date,
        periods.period_end_date,
        rolled_up.segment_type,
        rolled_up.segment_value,
        periods.days_in_period,
        periods.is_partial_period,
        periods.is_closed,
        periods.is_m3_closed,
        {%- for column in summed %}
            {%- if column in whole_numbers %}
                cast(rolled_up.{{ column }} as {{ dbt.type_bigint() }})
                    as {{ column }},
            {%- else %}
                rolled_up.{{ column }},
            {%- endif %}
        {%- endfor %}
        cast(
            coalesce(active_accounts.active_account_count, 0)
            as {{ dbt.type_bigint() }}
        ) as active_account_count
    from rolled_up
    inner join periods
        on
            rolled_up.period_grain = periods.period_grain
            and rolled_up.period_start_date = periods.period_start_date
    left join active_accounts
        on
            rolled_up.period_grain = active_accounts.period_grain
            and rolled_up.period_start_date = active_accounts.period_start_date
            and rolled_up.segment_type = active_accounts.segment_type
            and rolled_up.segment_value = active_accounts.segment_value

)

select * from final
