-- The documents behind a KPI row's inputs, for an auditor: every open
-- INV/DM in ar_begin and ar_end, every INV/DM in credit_sales and every
-- write-off in write_offs of one period and segment, with its amount.
-- Summed by input they equal the row of rpt_kpis_monthly / _quarterly /
-- _yearly. E.g.
--   dbt compile --select kpi_documents --vars '{kpi_period_grain: quarter,
--     kpi_period_start: 2025-07-01, kpi_segment_type: industry,
--     kpi_segment_value: Retail}'
-- then run the SQL in target/compiled/rpm/analyses/.
{%- set segment_columns = {
    'ledger': "'all'",
    'company': 'company_code',
    'currency': 'currency_code',
    'industry': 'industry',
    'region': 'region',
    'country': 'country_code',
    'collector': 'collector_id',
    'customer_size_band': 'customer_size_band',
    'risk_tier': 'risk_tier',
} %}
{%- set segment_column = segment_columns[var('kpi_segment_type', 'ledger')] %}

with

period as (

    select * from {{ ref('int_kpi_periods') }}
    where
        period_grain = '{{ var("kpi_period_grain", "month") }}'
        and period_start_date
        = cast('{{ var("kpi_period_start", "2025-07-01") }}' as date)

),

customer_segments as (

    select customer_segments.*
    from {{ ref('int_kpi_customer_period_segments') }} as customer_segments
    inner join period
        on
            customer_segments.period_grain = period.period_grain
            and customer_segments.period_start_date = period.period_start_date

),

documents as (

    select
        documents.document_id,
        documents.document_type,
        documents.customer_id,
        documents.company_code,
        documents.currency_code,
        documents.document_date,
        documents.amount_reporting,
        customer_segments.industry,
        customer_segments.region,
        customer_segments.country_code,
        customer_segments.collector_id,
        customer_segments.customer_size_band,
        customer_segments.risk_tier
    from {{ ref('fct_ar_documents') }} as documents
    left join customer_segments
        on documents.customer_id = customer_segments.customer_id

),

in_segment as (

    select * from documents
    where {{ segment_column }} = '{{ var("kpi_segment_value", "all") }}'

),

items as (

    select
        'ar_begin' as kpi_input,
        in_segment.document_id,
        in_segment.customer_id,
        snapshots.open_amount_reporting as amount_reporting
    from in_segment
    inner join {{ ref('fct_ar_aging_snapshots') }} as snapshots
        on in_segment.document_id = snapshots.document_id
    inner join period on snapshots.as_of_date = period.ar_begin_date

    union all

    select
        'ar_end' as kpi_input,
        in_segment.document_id,
        in_segment.customer_id,
        snapshots.open_amount_reporting as amount_reporting
    from in_segment
    inner join {{ ref('fct_ar_aging_snapshots') }} as snapshots
        on in_segment.document_id = snapshots.document_id
    inner join period on snapshots.as_of_date = period.period_end_date

    union all

    select
        'credit_sales' as kpi_input,
        in_segment.document_id,
        in_segment.customer_id,
        in_segment.amount_reporting
    from in_segment
    inner join period
        on
            in_segment.document_date >= period.period_start_date
            and in_segment.document_date <= period.period_end_date
    where in_segment.document_type in ('INV', 'DM')

    union all

    select
        'write_offs' as kpi_input,
        in_segment.document_id,
        in_segment.customer_id,
        -events.amount_reporting_change as amount_reporting
    from in_segment
    inner join {{ ref('int_ar_balance_events') }} as events
        on in_segment.document_id = events.document_id
    inner join period
        on
            events.event_date >= period.period_start_date
            and events.event_date <= period.period_end_date
    where events.event_type = 'write_off'

)

select * from items
order by 1, 2
