-- Every KPI of kpi_definitions.md per period (month, quarter, year) and
-- segment, beside the inputs it is computed from. A KPI is NULL, never an
-- error or infinity, when its denominator is zero (or not positive, as the
-- spec's "NULL when" column says).

with

facts as (

    select * from {{ ref('int_kpi_segment_period_facts') }}

),

periods as (

    select
        period_grain,
        period_start_date,
        end_month_start_date
    from {{ ref('int_kpi_periods') }}

),

countback as (

    select * from {{ ref('int_kpi_countback_dso') }}

),

concentration as (

    select * from {{ ref('int_kpi_concentration') }}

),

application_lags as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        event_count,
        median_days
    from {{ ref('int_kpi_day_quantiles') }}
    where measure = 'cash_application_lag'

),

credit_limits as (

    select * from {{ ref('int_kpi_credit_limit_use') }}

),

deliveries as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        median_days
    from {{ ref('int_kpi_day_quantiles') }}
    where measure = 'invoice_delivery'

),

delivery_recorded as (

    -- Whether the extract records deliveries at all (the optional sent_date
    -- column), for the reason a delivery KPI is NULL.
    select
        coalesce(max(case when sent_date is not null then 1 end), 0) = 1
            as has_sent_dates
    from {{ ref('core_ar_documents') }}

),

working_capital as (

    select * from {{ ref('int_kpi_working_capital') }}

),

joined as (

    select
        facts.*,
        countback.countback_dso_days,
        countback.countback_whole_months,
        countback.countback_whole_month_days,
        countback.countback_stop_month_start_date,
        countback.countback_remaining_ar,
        countback.countback_stop_month_sales,
        concentration.largest_customer_share_pct,
        concentration.hhi,
        application_lags.median_days as cash_application_lag_median_days,
        deliveries.median_days as invoice_delivery_median_days,
        case
            when facts.delivered_document_count > 0 then null
            when delivery_recorded.has_sent_dates
                then 'no INV/DM issued in the period with a sent_date'
            else 'the extract has no sent_date'
        end as invoice_delivery_null_reason,
        working_capital.inventory_end,
        working_capital.cost_of_goods_sold,
        working_capital.ap_end,
        working_capital.purchases,
        working_capital.working_capital_null_reason,
        coalesce(concentration.customer_group_count, 0) as customer_group_count,
        coalesce(application_lags.event_count, 0) as receipt_application_count,
        {{ to_money('coalesce(credit_limits.limit_checked_ar_end, 0)') }}
            as limit_checked_ar_end,
        {{ to_money('coalesce(credit_limits.over_limit_ar_end, 0)') }}
            as over_limit_ar_end,
        -- A KPI, NULL like the share when no customer has a usable limit
        -- and AR (kpi_definitions.md); 0 means none of them is over.
        cast(
            case
                when credit_limits.limit_checked_ar_end > 0
                    then credit_limits.over_limit_account_count
            end
            as {{ dbt.type_bigint() }}
        ) as over_limit_account_count,
        cast(
            coalesce(credit_limits.limit_left_out_account_count, 0)
            as {{ dbt.type_bigint() }}
        ) as limit_left_out_account_count
    from facts
    inner join periods
        on
            facts.period_grain = periods.period_grain
            and facts.period_start_date = periods.period_start_date
    -- Quarters and years take the countback at their last month end.
    left join countback
        on
            facts.segment_type = countback.segment_type
            and facts.segment_value = countback.segment_value
            and periods.end_month_start_date = countback.month_start_date
    left join concentration
        on
            facts.period_grain = concentration.period_grain
            and facts.period_start_date = concentration.period_start_date
            and facts.segment_type = concentration.segment_type
            and facts.segment_value = concentration.segment_value
    left join application_lags
        on
            facts.period_grain = application_lags.period_grain
            and facts.period_start_date = application_lags.period_start_date
            and facts.segment_type = application_lags.segment_type
            and facts.segment_value = application_lags.segment_value
    left join credit_limits
        on
            facts.period_grain = credit_limits.period_grain
            and facts.period_start_date = credit_limits.period_start_date
            and facts.segment_type = credit_limits.segment_type
            and facts.segment_value = credit_limits.segment_value
    left join deliveries
        on
            facts.period_grain = deliveries.period_grain
            and facts.period_start_date = deliveries.period_start_date
            and facts.segment_type = deliveries.segment_type
            and facts.segment_value = deliveries.segment_value
    left join working_capital
        on
            facts.period_grain = working_capital.period_grain
            and facts.period_start_date = working_capital.period_start_date
            and facts.segment_type = working_capital.segment_type
            and facts.segment_value = working_capital.segment_value
    cross join delivery_recorded

),

formulas as (

    select
        *,
        ar_end + unapplied_credits_end - unapplied_cash_end as net_ar_end,
        write_offs - recoveries as net_write_offs,
        case
            when credit_sales > 0
                then {{ ratio('ar_end', 'credit_sales', 'days_in_period') }}
        end as dso_days,
        case
            when credit_sales > 0
                then {{ ratio(
                    'current_ar_end',
                    'credit_sales',
                    'days_in_period'
                ) }}
        end as best_possible_dso_days,
        case
            when credit_sales > 0
                then {{ ratio(
                    'ar_end - current_ar_end',
                    'credit_sales',
                    'days_in_period'
                ) }}
        end as add_days,
        case
            when ar_begin + credit_sales - current_ar_end <> 0
                then {{ ratio(
                    'ar_begin + credit_sales - ar_end',
                    'ar_begin + credit_sales - current_ar_end', 100
                ) }}
        end as cei_pct,
        -- Cash-only CEI (v2): the cash part of the settlement mix over CEI's
        -- denominator.
        case
            when ar_begin + credit_sales - current_ar_end <> 0
                then {{ ratio(
                    'settled_cash',
                    'ar_begin + credit_sales - current_ar_end', 100
                ) }}
        end as cash_only_cei_pct,
        -- Days beyond terms, the share within terms and days to pay (v2):
        -- means over the standing receipt applications of documents paid in
        -- the period, weighted by amount.
        case
            when paid_applied_amount > 0
                then {{ ratio(
                    'paid_amount_x_days_beyond_terms', 'paid_applied_amount'
                ) }}
        end as days_beyond_terms_days,
        case
            when paid_applied_amount > 0
                then {{ ratio(
                    'paid_amount_within_terms', 'paid_applied_amount', 100
                ) }}
        end as within_terms_share_pct,
        case
            when paid_applied_amount > 0
                then {{ ratio(
                    'paid_amount_x_days_to_pay', 'paid_applied_amount'
                ) }}
        end as days_to_pay_days,
        -- Forecast error in days (v2): amount-weighted mean absolute error
        -- of the project's forecast and of the two naive baselines on the
        -- same documents; a gain is the baseline's error minus the
        -- project's (positive: the project's forecast was closer).
        {%- for method in ['forecast', 'due_baseline', 'dbt_baseline'] %}
            case
                when forecast_error_weight > 0
                    then {{ ratio(
                        method ~ '_weight_x_error_days', 'forecast_error_weight'
                    ) }}
            end as {{ method }}_error_days,
        {%- endfor %}
        {%- for baseline in ['due', 'dbt'] %}
            case
                when forecast_error_weight > 0
                    then {{ ratio(
                        baseline ~ '_baseline_weight_x_error_days'
                        ~ ' - forecast_weight_x_error_days',
                        'forecast_error_weight'
                    ) }}
            end as forecast_gain_vs_{{ baseline }}_days,
        {%- endfor %}
        case
            when forecast_error_weight > 0 then null
            when unforecast_paid_document_count > 0
                then 'no paid document the project forecast'
            else 'none paid'
        end as forecast_error_null_reason,
        -- Billing-cohort at-risk rate (v2): on the month's own row, once
        -- month m+3 is closed.
        case
            when period_grain = 'month' and is_m3_closed and cohort_amount > 0
                then {{ ratio('cohort_at_risk_amount', 'cohort_amount', 100) }}
        end as cohort_at_risk_rate_pct,
        case
            when period_grain <> 'month' then 'monthly only'
            when not is_m3_closed then 'month m+3 not closed'
            when cohort_amount <= 0 then 'nothing issued in the month'
        end as cohort_at_risk_null_reason,
        -- Credit-limit use (v2): the AR of over-limit customers over the AR
        -- of customers with a usable limit, at the closing rate.
        case
            when limit_checked_ar_end > 0
                then {{ ratio(
                    'over_limit_ar_end', 'limit_checked_ar_end', 100
                ) }}
        end as over_limit_ar_share_pct,
        case
            when limit_checked_ar_end <= 0
                then 'no customer with a usable limit and AR'
        end as over_limit_null_reason,
        -- Invoice delivery (v2): over INV/DM issued in the period with a
        -- sent_date; the median comes from int_kpi_day_quantiles.
        case
            when delivered_document_count > 0
                then {{ ratio(
                    'electronic_document_count', 'delivered_document_count', 100
                ) }}
        end as electronic_delivery_share_count_pct,
        case
            when delivered_document_count > 0 and delivered_amount <> 0
                then {{ ratio('electronic_amount', 'delivered_amount', 100) }}
        end as electronic_delivery_share_amount_pct,
        -- Cash conversion cycle (v2) inputs: days of inventory and of
        -- payables outstanding, per company and for the ledger.
        case
            when cost_of_goods_sold > 0
                then {{ ratio(
                    'inventory_end', 'cost_of_goods_sold', 'days_in_period'
                ) }}
        end as dio_days,
        case
            when purchases > 0
                then {{ ratio('ap_end', 'purchases', 'days_in_period') }}
        end as dpo_days,
        case
            when ar_begin + ar_end > 0
                then {{ ratio('net_credit_sales', 'ar_begin + ar_end', 2) }}
        end as ar_turnover,
        case
            when ar_begin + ar_end > 0
                then {{ ratio(
                    'net_credit_sales', '(ar_begin + ar_end) * days_in_period', 730
                ) }}
        end as ar_turnover_annualised,
        case
            when ar_end > 0 then {{ ratio(
                'past_due_kpi_ar_end',
                'ar_end',
                100
            ) }}
        end as pct_past_60,
        {%- for order in range(1, 7) %}
            case
                when ar_end > 0 then {{ ratio(
                    'bucket_' ~ order ~ '_ar_end',
                    'ar_end',
                    100
                ) }}
            end as bucket_{{ order }}_share_pct,
        {%- endfor %}
        case
            when net_credit_sales > 0
                then {{ ratio(
                    'write_offs - recoveries',
                    'net_credit_sales',
                    100
                ) }}
        end as bad_debt_ratio_pct,
        case
            when invoice_count > 0
                then {{ ratio('disputed_invoice_count', 'invoice_count', 100) }}
        end as dispute_rate_count_pct,
        case
            when invoice_count > 0 and invoiced_amount <> 0
                then {{ ratio('disputed_amount', 'invoiced_amount', 100) }}
        end as dispute_rate_amount_pct,
        case
            when csat_response_count > 0
                then {{ ratio('csat_score_sum', 'csat_response_count') }}
        end as csat_mean_score
    from joined

),

cash_conversion as (

    select
        *,
        -- Cash conversion cycle (v2) = DSO + DIO - DPO: NULL when any is.
        dso_days + dio_days - dpo_days as cash_conversion_cycle_days,
        case
            when segment_type not in ('ledger', 'company')
                then 'per company and for the ledger only'
            when working_capital_null_reason is not null
                then working_capital_null_reason
            when dso_days is null then 'DSO is NULL (credit sales <= 0)'
            when dio_days is null then 'no cost of goods sold in the period'
            when dpo_days is null then 'no purchases in the period'
        end as cash_conversion_cycle_null_reason
    from formulas

)

select * from cash_conversion
