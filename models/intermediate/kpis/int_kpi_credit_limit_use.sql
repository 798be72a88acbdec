-- Credit-limit use (kpi_definitions.md v2) per period and segment, at the
-- period end: the AR at the closing rate of customers with a usable limit,
-- of those over their limit, and the accounts over limit or left out. A
-- customer is over limit or not as a whole (int_credit_limit_use); a
-- company or currency segment counts the part of its AR in that company or
-- currency, and counts the account when it owes something there.

with

periods as (

    select
        period_grain,
        period_start_date,
        period_end_date
    from {{ ref('int_kpi_periods') }}

),

slices as (

    select
        periods.period_grain,
        periods.period_start_date,
        exposures.customer_id,
        exposures.company_code,
        exposures.currency_code,
        exposures.positive_ar_closing_reporting,
        limit_use.is_over_limit,
        limit_use.credit_limit_null_reason
    from periods
    inner join {{ ref('int_credit_limit_exposures') }} as exposures
        on periods.period_end_date = exposures.as_of_date
    inner join {{ ref('int_credit_limit_use') }} as limit_use
        on
            exposures.as_of_date = limit_use.as_of_date
            and exposures.customer_id = limit_use.customer_id

),

segmented as (

    {{ with_customer_segments(
        'slices', ref('int_kpi_customer_period_segments')
    ) }}

),

final as (

    {%- set aggregates = [
        'sum(case when credit_limit_null_reason is null'
        ~ ' then positive_ar_closing_reporting else 0 end)'
        ~ ' as limit_checked_ar_end',
        'sum(case when is_over_limit then positive_ar_closing_reporting'
        ~ ' else 0 end) as over_limit_ar_end',
        'count(distinct case when is_over_limit then customer_id end)'
        ~ ' as over_limit_account_count',
        'count(distinct case when credit_limit_null_reason is not null'
        ~ ' then customer_id end) as limit_left_out_account_count',
    ] %}
    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {{ rollup_to_segments('segmented', aggregates) }} -- noqa: PRS, LT05

)

select * from final
