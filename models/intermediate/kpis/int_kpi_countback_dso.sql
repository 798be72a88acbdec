-- Countback DSO at every month end (at the extract date for its month), per
-- segment (kpi_definitions.md): walk back month by month from that month;
-- while the remaining AR is at least the month's credit sales, add the
-- month's days and subtract its sales; stop as soon as the remaining AR is
-- 0; otherwise add remaining / sales * days of the month reached. A month
-- without sales adds its days whole; the extract date's month counts only
-- its elapsed days. NULL when the walk passes the ledger's first month with
-- AR remaining, or when AR is negative (nothing to count back).
--
-- Customer size band and risk tier are taken at the month end the walk
-- starts from, for every month it walks through (the sales of the
-- customers in the segment at that month end).
--
-- Steps taken whole form an unbroken run back from the month end: a step is
-- whole while sales before it are below the AR and sales through it do not
-- exceed it. The first step that is not whole ends the walk.

{%- set dynamic_segments = [
    ('customer_size_band', 'customer_size_band'), ('risk_tier', 'risk_tier'),
] %}

with

months as (

    select
        period_start_date as month_start_date,
        days_in_period
    from {{ ref('int_kpi_periods') }}
    where period_grain = 'month'

),

monthly_facts as (

    select
        segment_type,
        segment_value,
        period_start_date as month_start_date,
        ar_end,
        credit_sales
    from {{ ref('int_kpi_segment_period_facts') }}
    where period_grain = 'month'

),

segments as (

    select distinct
        segment_type,
        segment_value
    from monthly_facts

),

series as (

    -- Every segment in every month, zero where nothing happened.
    select
        segments.segment_type,
        segments.segment_value,
        months.month_start_date,
        months.days_in_period,
        coalesce(monthly_facts.ar_end, 0) as ar_end,
        coalesce(monthly_facts.credit_sales, 0) as credit_sales
    from segments
    cross join months
    left join monthly_facts
        on
            segments.segment_type = monthly_facts.segment_type
            and segments.segment_value = monthly_facts.segment_value
            and months.month_start_date = monthly_facts.month_start_date

),

customer_month_sales as (

    select
        customer_id,
        period_start_date as month_start_date,
        sum(credit_sales) as credit_sales
    from {{ ref('int_kpi_customer_period_facts') }}
    where period_grain = 'month'
    group by 1, 2

),

anchor_members as (

    -- Segment types whose membership changes month to month walk back
    -- through the sales of the customers in the segment at the month end
    -- the walk starts from: the AR of today's high-risk customers against
    -- their own earlier sales, not those of whoever was high-risk then.
    {%- for segment_type, column in dynamic_segments %}
        select
            period_start_date as anchor_month_start_date,
            customer_id,
            '{{ segment_type }}' as segment_type,
            {{ column }} as segment_value
        from {{ ref('int_kpi_customer_period_segments') }}
        where period_grain = 'month' and {{ column }} is not null
        {%- if not loop.last %}

            union all
        {% endif %}
    {%- endfor %}

),

anchored_sales as (

    select
        anchor_members.segment_type,
        anchor_members.segment_value,
        anchor_members.anchor_month_start_date,
        customer_month_sales.month_start_date,
        sum(customer_month_sales.credit_sales) as credit_sales
    from anchor_members
    inner join customer_month_sales
        on
            anchor_members.customer_id = customer_month_sales.customer_id
            and anchor_members.anchor_month_start_date
            >= customer_month_sales.month_start_date
    group by 1, 2, 3, 4

),

step_grid as (

    select
        month_ends.segment_type,
        month_ends.segment_value,
        month_ends.month_start_date,
        month_ends.ar_end,
        earlier.month_start_date as step_month_start_date,
        earlier.days_in_period as step_days,
        case
            when month_ends.segment_type in (
                    {%- for segment_type, column in dynamic_segments -%}
                        '{{ segment_type }}'{{ ', ' if not loop.last }}
                    {%- endfor -%}
                )
                then coalesce(anchored_sales.credit_sales, 0)
            else earlier.credit_sales
        end as step_sales
    from series as month_ends
    inner join series as earlier
        on
            month_ends.segment_type = earlier.segment_type
            and month_ends.segment_value = earlier.segment_value
            and month_ends.month_start_date >= earlier.month_start_date
    left join anchored_sales
        on
            month_ends.segment_type = anchored_sales.segment_type
            and month_ends.segment_value = anchored_sales.segment_value
            and month_ends.month_start_date
            = anchored_sales.anchor_month_start_date
            and earlier.month_start_date = anchored_sales.month_start_date

),

steps as (

    select
        *,
        sum(step_sales) over (
            partition by segment_type, segment_value, month_start_date
            order by step_month_start_date desc
            rows between unbounded preceding and current row
        ) as sales_through_step
    from step_grid

),

classified as (

    select
        *,
        ar_end - (sales_through_step - step_sales) as remaining_before_step,
        -- Exact money: a month whose sales equal the AR is taken whole.
        sales_through_step - step_sales < ar_end
        and sales_through_step <= ar_end as is_whole_step
    from steps

),

walks as (

    select
        segment_type,
        segment_value,
        month_start_date,
        max(ar_end) as ar_end,
        sum(case when is_whole_step then step_days else 0 end)
            as whole_month_days,
        count(case when is_whole_step then 1 end) as whole_months,
        max(case when not is_whole_step then step_month_start_date end)
            as stop_month_start_date,
        max(sales_through_step) as sales_through_first_month
    from classified
    group by 1, 2, 3

),

final as (

    select
        walks.segment_type,
        walks.segment_value,
        walks.month_start_date,
        walks.ar_end,
        cast(walks.whole_months as {{ dbt.type_bigint() }})
            as countback_whole_months,
        cast(walks.whole_month_days as {{ dbt.type_bigint() }})
            as countback_whole_month_days,
        stops.step_month_start_date as countback_stop_month_start_date,
        stops.remaining_before_step as countback_remaining_ar,
        stops.step_sales as countback_stop_month_sales,
        case
            when walks.ar_end < 0 then null
            when stops.step_month_start_date is null
                -- Every month back to the ledger's first was taken whole.
                then case
                        when walks.ar_end - walks.sales_through_first_month > 0
                            then null
                        else walks.whole_month_days
                    end
            when stops.remaining_before_step <= 0
                then walks.whole_month_days
            else walks.whole_month_days
                + {{ ratio(
                    'stops.remaining_before_step', 'stops.step_sales', 'stops.step_days'
                ) }}
        end as countback_dso_days
    from walks
    left join classified as stops
        on
            walks.segment_type = stops.segment_type
            and walks.segment_value = stops.segment_value
            and walks.month_start_date = stops.month_start_date
            and walks.stop_month_start_date = stops.step_month_start_date

)

select * from final
