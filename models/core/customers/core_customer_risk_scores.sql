-- A deterministic risk score per customer per month end (and the extract
-- date), from payment behaviour over the trailing risk_window_months (12)
-- and the position at the month end (DECISIONS D41):
--   days_late          amount-weighted days late of INV/DM settled in the
--                      window (early counts 0), / 60, capped at 1
--   past_60_share      AR more than 60 days past due / AR at the month end
--                      (positive balances only: an over-applied document
--                      counts as zero, v2)
--   broken_promises    promises broken with their window ending in the
--                      window, / 3, capped at 1
--   disputes           disputes opened in the window, / 3, capped at 1
--   credit_utilisation AR / credit limit (at the latest rate on or before
--                      the month end), / 1.5, capped at 1; 0 without a limit
-- score = sum of weight * component (weights 40 / 25 / 15 / 10 / 10, vars
-- risk_weights), 0-100; tier from the seed risk_tiers.
{%- set weights = var('risk_weights') %}
{%- set caps = var('risk_caps') %}

with

payment_history as (

    select
        customer_id,
        month_start_date,
        month_end_date,
        window_settled_amount,
        window_settled_amount_days_late
    from {{ ref('int_customer_payment_history') }}

),

broken_promises as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'window_end_date') }} as date)
            as month_start_date,
        count(*) as broken_promise_count
    from {{ ref('core_promises_to_pay') }}
    where promise_status = 'broken'
    group by 1, 2

),

disputes as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'opened_date') }} as date)
            as month_start_date,
        count(*) as dispute_count
    from {{ ref('int_disputes_validated') }}
    group by 1, 2

),

positions as (

    select
        customer_id,
        as_of_date,
        sum(open_amount_reporting) as ar_reporting,
        sum(
            case
                when days_past_due > {{ var('past_due_kpi_days') }}
                    then open_amount_reporting
                else 0
            end
        ) as past_60_ar_reporting
    from {{ ref('core_ar_aging_snapshots') }}
    -- The exposure: an over-applied document owes nothing and counts as
    -- zero (v2), it does not offset what other documents owe.
    where open_amount_reporting > 0
    group by 1, 2

),

monthly as (

    select
        payment_history.customer_id,
        payment_history.month_start_date,
        payment_history.month_end_date,
        payment_history.window_settled_amount,
        payment_history.window_settled_amount_days_late,
        coalesce(broken_promises.broken_promise_count, 0)
            as broken_promise_count,
        coalesce(disputes.dispute_count, 0) as dispute_count
    from payment_history
    left join broken_promises
        on
            payment_history.customer_id = broken_promises.customer_id
            and payment_history.month_start_date
            = broken_promises.month_start_date
    left join disputes
        on
            payment_history.customer_id = disputes.customer_id
            and payment_history.month_start_date = disputes.month_start_date

),

trailing_sums as (

    {%- set window_rows = var('risk_window_months') - 1 %}
    select
        {%- for column in ['broken_promise_count', 'dispute_count'] %}
            sum({{ column }}) over (
                partition by customer_id
                order by month_start_date
                rows between {{ window_rows }} preceding and current row
            ) as window_{{ column }},
        {%- endfor %}
        customer_id,
        month_start_date,
        month_end_date,
        window_settled_amount,
        window_settled_amount_days_late
    from monthly

),

month_ends as (

    select distinct month_end_date from payment_history

),

month_end_rates as (

    -- The latest rate on or before each month end, per currency.
    select
        month_ends.month_end_date,
        rates.currency_code,
        max(rates.rate_date) as rate_date
    from month_ends
    inner join {{ ref('int_fx_rates_resolved') }} as rates
        on month_ends.month_end_date >= rates.rate_date
    group by 1, 2

),

limits as (

    -- Credit limits in reporting currency at the month end.
    select
        customers.customer_id,
        month_end_rates.month_end_date,
        {{ to_reporting(
            'customers.credit_limit_amount',
            'rates.rate_to_reporting'
        ) }}
            as credit_limit_reporting
    from {{ ref('core_customers') }} as customers
    inner join month_end_rates
        on customers.credit_currency_code = month_end_rates.currency_code
    inner join {{ ref('int_fx_rates_resolved') }} as rates
        on
            month_end_rates.currency_code = rates.currency_code
            and month_end_rates.rate_date = rates.rate_date
    where customers.credit_limit_amount > 0

    union all

    select
        customers.customer_id,
        month_ends.month_end_date,
        customers.credit_limit_amount as credit_limit_reporting
    from {{ ref('core_customers') }} as customers
    cross join month_ends
    where
        customers.credit_limit_amount > 0
        and customers.credit_currency_code = '{{ var("reporting_currency") }}'

),

components as (

    select
        trailing_sums.customer_id,
        trailing_sums.month_end_date,
        trailing_sums.window_broken_promise_count as broken_promise_count,
        trailing_sums.window_dispute_count as dispute_count,
        limits.credit_limit_reporting,
        coalesce(positions.ar_reporting, 0) as ar_reporting,
        case
            when trailing_sums.window_settled_amount > 0
                then {{ ratio(
                    'trailing_sums.window_settled_amount_days_late',
                    'trailing_sums.window_settled_amount'
                ) }}
        end as weighted_days_late,
        case
            when positions.ar_reporting > 0
                then {{ ratio(
                    'positions.past_60_ar_reporting',
                    'positions.ar_reporting'
                ) }}
        end as past_60_share,
        case
            when limits.credit_limit_reporting > 0
                then {{ ratio(
                    'coalesce(positions.ar_reporting, 0)',
                    'limits.credit_limit_reporting'
                ) }}
        end as credit_utilisation
    from trailing_sums
    left join positions
        on
            trailing_sums.customer_id = positions.customer_id
            and trailing_sums.month_end_date = positions.as_of_date
    left join limits
        on
            trailing_sums.customer_id = limits.customer_id
            and trailing_sums.month_end_date = limits.month_end_date

),

scored as (

    {#- Each component scaled to 0-1 (capped) and weighted. #}
    {%- set points = [] %}
    {%- for name, value, cap in [
        ('days_late', 'weighted_days_late', caps.days_late),
        ('past_60_share', 'past_60_share', 1),
        ('broken_promises', 'broken_promise_count', caps.broken_promises),
        ('disputes', 'dispute_count', caps.disputes),
        ('credit_utilisation', 'credit_utilisation', caps.credit_utilisation),
    ] %}
        {%- do points.append((name, weights[name] ~ ' * case'
            ~ ' when coalesce(' ~ value ~ ', 0) <= 0 then 0'
            ~ ' when ' ~ value ~ ' >= ' ~ cap ~ ' then 1'
            ~ ' else cast(' ~ value ~ ' as ' ~ type_double() ~ ') / ' ~ cap
            ~ ' end')) %}
    {%- endfor %}
    select
        *,
        {%- for name, expression in points %}
            {{ expression }} as {{ name }}_points,
        {%- endfor %}
        {{ points | map('last') | join(' + ') }} as risk_score
    from components

),

final as (

    select
        {{ dbt.concat([
            'scored.customer_id', "'|'",
            dbt.cast('scored.month_end_date', dbt.type_string()),
        ]) }} as risk_score_id,
        scored.customer_id,
        scored.month_end_date,
        scored.weighted_days_late,
        scored.past_60_share,
        cast(scored.broken_promise_count as integer) as broken_promise_count,
        cast(scored.dispute_count as integer) as dispute_count,
        {{ to_money('scored.ar_reporting') }} as ar_reporting,
        {{ to_money('scored.credit_limit_reporting') }}
            as credit_limit_reporting,
        scored.credit_utilisation,
        scored.days_late_points,
        scored.past_60_share_points,
        scored.broken_promises_points,
        scored.disputes_points,
        scored.credit_utilisation_points,
        scored.risk_score,
        tiers.risk_tier
    from scored
    left join {{ ref('risk_tiers') }} as tiers
        on
            scored.risk_score >= coalesce(tiers.min_score, scored.risk_score)
            and (tiers.max_score is null or scored.risk_score < tiers.max_score)

)

select * from final
