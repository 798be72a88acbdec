-- The additive inputs of every KPI, one row per period, customer, company
-- and currency (company and currency are the documents'; customer
-- satisfaction has neither, unidentified cash has no customer), with the
-- customer's segment values for the period. Segment
-- rollups (int_kpi_segment_period_facts) sum these rows, so a KPI's inputs
-- are computed once. Amounts in reporting currency at historical rates.
--   balances at the period end (and ar_begin at the day before its start)
--     from the aging and unapplied snapshots;
--   flows dated in the period (sales, the settlement mix, documents
--     paid and the error of their forecasts, invoices and their disputes
--     and deliveries,
--     survey responses) from the documents, balance events, payments,
--     forecast errors and feedback, by calendar month,
--     then summed into quarters and years.
{%- set bucket_orders = range(1, 7) %}
{%- set bucket_columns = [] %}
{%- set output_names = {
    'ar_reporting': 'ar_end',
    'current_ar_reporting': 'current_ar_end',
    'past_due_kpi_ar_reporting': 'past_due_kpi_ar_end',
    'open_item_count': 'open_item_count_end',
    'credit_balances_reporting': 'credit_balances_end',
} %}
{%- for order in bucket_orders %}
    {%- do bucket_columns.append('bucket_' ~ order ~ '_ar_reporting') %}
    {%- do output_names.update({
        'bucket_' ~ order ~ '_ar_reporting': 'bucket_' ~ order ~ '_ar_end'}) %}
{%- endfor %}
{#- The facts' columns (kpi_fact_columns): balances from balance_rows,
    month flows from flow_rows, the rest (the billing cohort) from its model. -#}
{%- set fact_columns = kpi_fact_columns() %}
{%- set balance_columns = fact_columns[:fact_columns.index('credit_sales')] %}
{%- set flow_columns = [] %}
{%- for column in fact_columns[fact_columns.index('credit_sales'):] %}
    {%- if column not in ('cohort_amount', 'cohort_at_risk_amount') %}
        {%- do flow_columns.append(column) %}
    {%- endif %}
{%- endfor %}

with

periods as (

    select
        period_grain,
        period_start_date,
        period_end_date,
        ar_begin_date
    from {{ ref('int_kpi_periods') }}

),

month_periods as (

    select * from {{ ref('int_kpi_month_periods') }}

),

aging as (

    select
        as_of_date,
        customer_id,
        company_code,
        currency_code,
        sum(open_amount_reporting) as ar_reporting,
        sum(
            case when days_past_due <= 0 then open_amount_reporting else 0 end
        ) as current_ar_reporting,
        sum(
            case
                when days_past_due > {{ var('past_due_kpi_days') }}
                    then open_amount_reporting
                else 0
            end
        ) as past_due_kpi_ar_reporting,
        {%- for order in bucket_orders %}
            sum(
                case
                    when
                        aging_bucket_order = {{ order }}
                        then open_amount_reporting
                    else 0
                end
            ) as bucket_{{ order }}_ar_reporting,
        {%- endfor %}
        -- Over-applied INV/DM (negative balances), reported beside AR (v2).
        sum(
            case
                when open_amount_reporting < 0 then open_amount_reporting
                else 0
            end
        ) as credit_balances_reporting,
        count(*) as open_item_count
    from {{ ref('core_ar_aging_snapshots') }}
    group by 1, 2, 3, 4

),

unapplied as (

    select
        as_of_date,
        customer_id,
        company_code,
        currency_code,
        sum(unapplied_credits_reporting) as unapplied_credits_reporting,
        sum(unapplied_cash_reporting) as unapplied_cash_reporting
    from {{ ref('core_unapplied_balance_snapshots') }}
    group by 1, 2, 3, 4

),

document_flows as (

    select
        cast({{ dbt.date_trunc('month', 'document_date') }} as date)
            as month_start_date,
        customer_id,
        company_code,
        currency_code,
        sum(
            case
                when document_type in ('INV', 'DM') then amount_reporting
                else 0
            end
        ) as credit_sales_reporting,
        sum(amount_reporting) as net_credit_sales_reporting,
        sum(case when document_type = 'INV' then 1 else 0 end)
            as invoice_count,
        sum(case when document_type = 'INV' then amount_reporting else 0 end)
            as invoiced_amount_reporting,
        sum(
            case when document_type = 'INV' and has_dispute then 1 else 0 end
        ) as disputed_invoice_count,
        sum(
            case
                when document_type = 'INV' and has_dispute
                    then {{ to_reporting(
                        'disputed_amount_document',
                        'fx_rate_to_reporting'
                    ) }}
                else 0
            end
        ) as disputed_amount_reporting,
        -- Invoice delivery (v2): INV/DM with a sent_date, and those of them
        -- delivered electronically (email, portal, edi).
        {%- set delivered = "document_type in ('INV', 'DM')"
            ~ ' and sent_date is not null' %}
        sum(case when {{ delivered }} then 1 else 0 end)
            as delivered_document_count,
        sum(case when {{ delivered }} then amount_reporting else 0 end)
            as delivered_amount_reporting,
        sum(
            case
                when {{ delivered }} and is_electronic_delivery then 1 else 0
            end
        ) as electronic_document_count,
        sum(
            case
                when {{ delivered }} and is_electronic_delivery
                    then amount_reporting
                else 0
            end
        ) as electronic_amount_reporting
    from {{ ref('core_ar_documents') }}
    group by 1, 2, 3, 4

),

settlement_flows as (

    -- The settlement mix (v2): how INV/DM balances fell in the month, each
    -- event at its effective date (as AR), so the parts sum exactly to
    -- ar_begin + credit_sales - ar_end. Cash and discounts are net of the
    -- reversals of their receipts; net write-offs = write-offs minus
    -- recoveries; other = small-balance and other adjustments.
    select
        cast({{ dbt.date_trunc('month', 'balance_events.event_date') }} as date)
            as month_start_date,
        balance_events.customer_id,
        balance_events.company_code,
        documents.currency_code,
        {%- for event_types, column in [
            (['cash_applied', 'reversal'], 'settled_cash'),
            (['credit_memo_applied'], 'settled_credit_memos'),
            (['discount', 'discount_reversal'], 'settled_discounts'),
            (['write_off'], 'write_offs'),
            (['small_balance', 'other_adjustment'], 'settled_other'),
        ] %}
            -sum(
                case
                    when
                        balance_events.event_type
                        in ('{{ event_types | join("', '") }}') -- noqa: LT05
                        then balance_events.amount_reporting_change
                    else 0
                end
            ) as {{ column }},
        {%- endfor %}
        sum(
            case
                when balance_events.event_type = 'recovery'
                    then balance_events.amount_reporting_change
                else 0
            end
        ) as recoveries
    from {{ ref('int_ar_balance_events') }} as balance_events
    inner join {{ ref('core_ar_documents') }} as documents
        on balance_events.document_id = documents.document_id
    where balance_events.event_type <> 'issued'
    group by 1, 2, 3, 4

),

payment_flows as (

    -- Days beyond terms and days to pay (v2): documents paid in the month
    -- (int_ar_document_payments), each standing receipt application weighed
    -- by its reporting amount.
    select
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date)
            as month_start_date,
        customer_id,
        company_code,
        currency_code,
        count(distinct document_id) as paid_document_count,
        sum(applied_amount_reporting) as paid_applied_amount,
        sum(applied_amount_reporting * days_beyond_terms)
            as paid_amount_x_days_beyond_terms,
        sum(
            case when is_within_terms then applied_amount_reporting else 0 end
        ) as paid_amount_within_terms,
        sum(applied_amount_reporting * days_to_pay)
            as paid_amount_x_days_to_pay
    from {{ ref('int_ar_document_payments') }}
    group by 1, 2, 3, 4

),

forecast_error_flows as (

    -- Forecast error in days (v2): documents paid in the month that were
    -- open at the previous month end, each weighed by its balance then. The
    -- three forecasts are compared on the documents the project forecast;
    -- the rest are counted beside.
    select
        month_start_date,
        customer_id,
        company_code,
        currency_code,
        {%- set forecast = 'expected_collection_date is not null' %}
        sum(case when {{ forecast }} then 1 else 0 end)
            as forecast_error_document_count,
        sum(case when {{ forecast }} then open_amount_reporting else 0 end)
            as forecast_error_weight,
        {%- for method in ['forecast', 'due_baseline', 'dbt_baseline'] %}
            sum(
                case
                    when {{ forecast }}
                        then open_amount_reporting * {{ method }}_error_days
                    else 0
                end
            ) as {{ method }}_weight_x_error_days,
        {%- endfor %}
        sum(case when {{ forecast }} then 0 else 1 end)
            as unforecast_paid_document_count,
        sum(case when {{ forecast }} then 0 else open_amount_reporting end)
            as unforecast_paid_amount
    from {{ ref('int_cash_forecast_errors') }}
    group by 1, 2, 3, 4

),

feedback_flows as (

    select
        cast({{ dbt.date_trunc('month', 'responded_at') }} as date)
            as month_start_date,
        customer_id,
        sum(csat_score) as csat_score_sum,
        count(*) as csat_response_count
    from {{ ref('int_customer_feedback_validated') }}
    group by 1, 2

),

period_dates as (

    -- Each period needs the aging at its end and at the day before it.
    select
        period_grain,
        period_start_date,
        period_end_date as as_of_date,
        true as is_period_end
    from periods

    union all

    select
        period_grain,
        period_start_date,
        ar_begin_date as as_of_date,
        false as is_period_end
    from periods

),

balance_rows as (

    select
        period_dates.period_grain,
        period_dates.period_start_date,
        aging.customer_id,
        aging.company_code,
        aging.currency_code,
        {%- for column in [
            'ar_reporting', 'current_ar_reporting', 'past_due_kpi_ar_reporting',
        ] + bucket_columns + ['credit_balances_reporting', 'open_item_count'] %}
            case
                when period_dates.is_period_end then aging.{{ column }} else 0
            end as {{ output_names[column] }},
        {%- endfor %}
        case
            when period_dates.is_period_end then 0 else aging.ar_reporting
        end as ar_begin,
        0 as unapplied_credits_end,
        0 as unapplied_cash_end
    from period_dates
    inner join aging on period_dates.as_of_date = aging.as_of_date

    union all

    select
        periods.period_grain,
        periods.period_start_date,
        unapplied.customer_id,
        unapplied.company_code,
        unapplied.currency_code,
        0 as ar_end,
        0 as current_ar_end,
        0 as past_due_kpi_ar_end,
        {%- for order in bucket_orders %}
            0 as bucket_{{ order }}_ar_end,
        {%- endfor %}
        0 as credit_balances_end,
        0 as open_item_count_end,
        0 as ar_begin,
        unapplied.unapplied_credits_reporting as unapplied_credits_end,
        unapplied.unapplied_cash_reporting as unapplied_cash_end
    from periods
    inner join unapplied on periods.period_end_date = unapplied.as_of_date

),

flow_rows as (

    select
        month_start_date,
        customer_id,
        company_code,
        currency_code,
        {{ zero_filled(flow_columns, {
            'credit_sales': 'credit_sales_reporting',
            'net_credit_sales': 'net_credit_sales_reporting',
            'invoice_count': 'invoice_count',
            'invoiced_amount': 'invoiced_amount_reporting',
            'disputed_invoice_count': 'disputed_invoice_count',
            'disputed_amount': 'disputed_amount_reporting',
            'delivered_document_count': 'delivered_document_count',
            'delivered_amount': 'delivered_amount_reporting',
            'electronic_document_count': 'electronic_document_count',
            'electronic_amount': 'electronic_amount_reporting',
        }) }}
    from document_flows

    union all

    select
        month_start_date,
        customer_id,
        company_code,
        currency_code,
        {{ zero_filled(flow_columns, [
            'settled_cash', 'settled_credit_memos', 'settled_discounts',
            'settled_other', 'write_offs', 'recoveries',
        ]) }}
    from settlement_flows

    union all

    select
        month_start_date,
        customer_id,
        company_code,
        currency_code,
        {{ zero_filled(flow_columns, [
            'paid_document_count', 'paid_applied_amount',
            'paid_amount_x_days_beyond_terms', 'paid_amount_within_terms',
            'paid_amount_x_days_to_pay',
        ]) }}
    from payment_flows

    union all

    select
        month_start_date,
        customer_id,
        company_code,
        currency_code,
        {{ zero_filled(flow_columns, [
            'forecast_error_document_count', 'forecast_error_weight',
            'forecast_weight_x_error_days', 'due_baseline_weight_x_error_days',
            'dbt_baseline_weight_x_error_days',
            'unforecast_paid_document_count', 'unforecast_paid_amount',
        ]) }}
    from forecast_error_flows

    union all

    select
        month_start_date,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as company_code,
        cast(null as {{ dbt.type_string() }}) as currency_code,
        {{ zero_filled(
            flow_columns, ['csat_score_sum', 'csat_response_count']
        ) }}
    from feedback_flows

),

period_flows as (

    select
        flow_rows.*,
        month_periods.period_grain,
        month_periods.period_start_date
    from flow_rows
    inner join month_periods
        on flow_rows.month_start_date = month_periods.month_start_date

),

combined as (

    select
        period_grain,
        period_start_date,
        customer_id,
        company_code,
        currency_code,
        {{ zero_filled(fact_columns, balance_columns) }}
    from balance_rows

    union all

    select
        period_grain,
        period_start_date,
        customer_id,
        company_code,
        currency_code,
        {{ zero_filled(fact_columns, flow_columns) }}
    from period_flows

    union all

    -- Billing cohorts (v2) belong to their month's row only.
    select
        'month' as period_grain,
        billing_month_start_date as period_start_date,
        customer_id,
        company_code,
        currency_code,
        {{ zero_filled(fact_columns, {
            'cohort_amount': 'cohort_amount',
            'cohort_at_risk_amount':
                'cohort_open_m3_amount + cohort_net_write_offs_m3_amount',
        }) }}
    from {{ ref('int_kpi_billing_cohorts') }}

),

summed as (

    select
        period_grain,
        period_start_date,
        customer_id,
        company_code,
        currency_code,
        {{ sums_of(fact_columns) | join(',\n        ') }}
    from combined
    group by 1, 2, 3, 4, 5

),

final as (

    {{ with_customer_segments(
        'summed',
        ref('int_kpi_customer_period_segments'),
        ['customer_group_id', 'is_active_account']
    ) }}

)

select * from final
