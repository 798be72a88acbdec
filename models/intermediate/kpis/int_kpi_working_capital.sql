-- The working-capital inputs of the cash conversion cycle (v2) per period,
-- for each company and the ledger: inventory and trade payables at the
-- period end, cost of goods sold and purchases summed over the period's
-- months, in reporting currency at each month end's closing rate
-- (int_working_capital_months). A company needs a working_capital row with
-- a usable rate for every month of the period, else its figures are NULL
-- with the reason. The ledger sums the companies with AR or working capital
-- in the period and is NULL, naming the first company, when one of them is.
-- Without the table every row says so.

with

months as (

    select * from {{ ref('int_working_capital_months') }}

),

month_periods as (

    select * from {{ ref('int_kpi_month_periods') }}

),

periods as (

    select
        period_grain,
        period_start_date,
        end_month_start_date
    from {{ ref('int_kpi_periods') }}

),

working_capital_recorded as (

    -- Whether the extract has the optional table at all, for the reason.
    select count(*) > 0 as has_working_capital
    from {{ ref('stg_erp__working_capital') }}

),

period_month_counts as (

    select
        period_grain,
        period_start_date,
        count(*) as month_count
    from month_periods
    group by 1, 2

),

period_companies as (

    -- The companies of the period's DSO, and those the GL reports.
    select
        period_grain,
        period_start_date,
        segment_value as company_code
    from {{ ref('int_kpi_segment_period_facts') }}
    where segment_type = 'company'

    union

    select
        month_periods.period_grain,
        month_periods.period_start_date,
        months.company_code
    from months
    inner join month_periods
        on months.month_start_date = month_periods.month_start_date

),

flows as (

    select
        month_periods.period_grain,
        month_periods.period_start_date,
        months.company_code,
        count(*) as working_capital_month_count,
        sum(months.cost_of_goods_sold_reporting) as cost_of_goods_sold,
        sum(months.purchases_reporting) as purchases,
        min(months.closing_rate_null_reason) as closing_rate_null_reason
    from months
    inner join month_periods
        on months.month_start_date = month_periods.month_start_date
    group by 1, 2, 3

),

company_rows as (

    select
        period_companies.period_grain,
        period_companies.period_start_date,
        period_companies.company_code,
        period_ends.inventory_balance_reporting as inventory_end,
        period_ends.ap_balance_reporting as ap_end,
        flows.cost_of_goods_sold,
        flows.purchases,
        case
            when flows.working_capital_month_count is null
                then 'no working_capital rows for the period'
            when
                flows.working_capital_month_count
                < period_month_counts.month_count
                then 'working_capital misses a month of the period'
            else flows.closing_rate_null_reason
        end as working_capital_null_reason
    from period_companies
    inner join periods
        on
            period_companies.period_grain = periods.period_grain
            and period_companies.period_start_date = periods.period_start_date
    inner join period_month_counts
        on
            period_companies.period_grain = period_month_counts.period_grain
            and period_companies.period_start_date
            = period_month_counts.period_start_date
    left join months as period_ends
        on
            period_companies.company_code = period_ends.company_code
            and periods.end_month_start_date = period_ends.month_start_date
    left join flows
        on
            period_companies.period_grain = flows.period_grain
            and period_companies.period_start_date = flows.period_start_date
            and period_companies.company_code = flows.company_code

),

segment_rows as (

    select
        period_grain,
        period_start_date,
        'company' as segment_type,
        company_code as segment_value,
        inventory_end,
        cost_of_goods_sold,
        ap_end,
        purchases,
        working_capital_null_reason
    from company_rows

    union all

    select
        period_grain,
        period_start_date,
        'ledger' as segment_type,
        'all' as segment_value,
        sum(inventory_end) as inventory_end,
        sum(cost_of_goods_sold) as cost_of_goods_sold,
        sum(ap_end) as ap_end,
        sum(purchases) as purchases,
        min(
            case
                when working_capital_null_reason is not null
                    then {{ dbt.concat([
                        'company_code', "': '", 'working_capital_null_reason'
                    ]) }}
            end
        ) as working_capital_null_reason
    from company_rows
    group by 1, 2

),

final as (

    select
        segment_rows.period_grain,
        segment_rows.period_start_date,
        segment_rows.segment_type,
        segment_rows.segment_value,
        {%- for column in [
            'inventory_end', 'cost_of_goods_sold', 'ap_end', 'purchases'
        ] %}
            case
                when segment_rows.working_capital_null_reason is null
                    then {{ to_money('segment_rows.' ~ column) }}
            end as {{ column }},
        {%- endfor %}
        case
            when not working_capital_recorded.has_working_capital
                then 'the extract has no working_capital'
            else segment_rows.working_capital_null_reason
        end as working_capital_null_reason
    from segment_rows
    cross join working_capital_recorded

)

select * from final
