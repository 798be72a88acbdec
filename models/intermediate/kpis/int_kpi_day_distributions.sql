-- How many events took how many days, per period, segment and measure, so
-- that medians and percentiles of any segment come from exact counts
-- (int_kpi_day_quantiles):
--   dispute_resolution   resolved_date - opened_date of disputes resolved
--                        in the period, per dispute_type (the variant)
--   cash_application_lag application_date - receipt_date of counted receipt
--                        applications dated in the period (variant 'all')
--   invoice_delivery     sent_date - document_date of INV/DM issued in the
--                        period with a sent_date (v2; variant 'all')
-- Segments by the disputed, paid or issued document and its customer.

with

month_periods as (

    select * from {{ ref('int_kpi_month_periods') }}

),

documents as (

    select
        document_id,
        company_code,
        currency_code
    from {{ ref('core_ar_documents') }}

),

disputes as (

    select
        disputes.customer_id,
        documents.company_code,
        documents.currency_code,
        'dispute_resolution' as measure,
        disputes.dispute_type as variant,
        disputes.resolved_date as event_date,
        {{ days_between('disputes.opened_date', 'disputes.resolved_date') }}
            as elapsed_days
    from {{ ref('int_disputes_validated') }} as disputes
    inner join documents on disputes.document_id = documents.document_id
    where disputes.resolved_date is not null

),

applications as (

    select
        customer_id,
        company_code,
        currency_code,
        'cash_application_lag' as measure,
        'all' as variant,
        application_date as event_date,
        days_from_receipt_to_application as elapsed_days
    from {{ ref('core_cash_applications') }}
    -- An application dated on or after its receipt's reversal never counted.
    where source_type = 'receipt' and is_counted

),

deliveries as (

    select
        customer_id,
        company_code,
        currency_code,
        'invoice_delivery' as measure,
        'all' as variant,
        document_date as event_date,
        days_to_send as elapsed_days
    from {{ ref('core_ar_documents') }}
    where document_type in ('INV', 'DM') and sent_date is not null

),

events as (

    select * from disputes
    union all
    select * from applications
    union all
    select * from deliveries

),

monthly_counts as (

    select
        cast({{ dbt.date_trunc('month', 'event_date') }} as date)
            as month_start_date,
        customer_id,
        company_code,
        currency_code,
        measure,
        variant,
        elapsed_days,
        count(*) as event_count
    from events
    group by 1, 2, 3, 4, 5, 6, 7

),

attributed as (

    select
        month_periods.period_grain,
        month_periods.period_start_date,
        monthly_counts.company_code,
        monthly_counts.currency_code,
        monthly_counts.measure,
        monthly_counts.variant,
        monthly_counts.elapsed_days,
        monthly_counts.event_count,
        {{ customer_segment_columns('customer_segments') }}
    from monthly_counts
    inner join month_periods
        on monthly_counts.month_start_date = month_periods.month_start_date
    left join {{ ref('int_kpi_customer_period_segments') }} as customer_segments
        on
            month_periods.period_grain = customer_segments.period_grain
            and month_periods.period_start_date
            = customer_segments.period_start_date
            and monthly_counts.customer_id = customer_segments.customer_id

),

final as (

    {%- set aggregates = ['sum(event_count) as event_count'] %}
    {%- set group_columns = ['measure', 'variant', 'elapsed_days'] %}
    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {{ rollup_to_segments('attributed', aggregates, group_columns) }} -- noqa: PRS, LT05

)

select * from final
