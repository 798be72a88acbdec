-- Dispute counts and amounts per period, customer, company, currency and
-- dispute type, with the customer's segment values for the period:
--   flows in the period: disputes opened, resolved, resolved after their
--     type's SLA (seed kpi_benchmarks: the good range of
--     dispute_resolution_median_days);
--   stock at the period end: disputes open then (opened on or before it,
--     not resolved by it), those older than their SLA, their disputed
--     amounts, and the AR of the documents they dispute (per type, and
--     across types for the share of AR under dispute: summing the latter
--     over types counts each document once).
-- Company and currency are the disputed document's; amounts convert at its
-- rate.

with

periods as (

    select * from {{ ref('int_kpi_periods') }}

),

month_periods as (

    select * from {{ ref('int_kpi_month_periods') }}

),

slas as (

    select
        benchmark_key as dispute_type,
        max_value as sla_days
    from {{ ref('kpi_benchmarks') }}
    where kpi_name = 'dispute_resolution_median_days' and status = 'good'

),

disputes as (

    select
        disputes.dispute_id,
        disputes.document_id,
        disputes.customer_id,
        documents.company_code,
        documents.currency_code,
        disputes.dispute_type,
        disputes.opened_date,
        disputes.resolved_date,
        slas.sla_days,
        {{ to_reporting(
            'coalesce(disputes.disputed_amount_document, 0)',
            'documents.fx_rate_to_reporting'
        ) }} as disputed_amount_reporting
    from {{ ref('int_disputes_validated') }} as disputes
    inner join {{ ref('core_ar_documents') }} as documents
        on disputes.document_id = documents.document_id
    left join slas on disputes.dispute_type = slas.dispute_type

),

open_document_balances as (

    select
        as_of_date,
        document_id,
        open_amount_reporting
    from {{ ref('core_ar_aging_snapshots') }}

),

flow_events as (

    select
        cast({{ dbt.date_trunc('month', 'opened_date') }} as date)
            as month_start_date,
        customer_id,
        company_code,
        currency_code,
        dispute_type,
        1 as opened_count,
        0 as resolved_count,
        0 as resolved_after_sla_count
    from disputes

    union all

    select
        cast({{ dbt.date_trunc('month', 'resolved_date') }} as date)
            as month_start_date,
        customer_id,
        company_code,
        currency_code,
        dispute_type,
        0 as opened_count,
        1 as resolved_count,
        case
            when
                {{ days_between('opened_date', 'resolved_date') }} > sla_days
                then 1
            else 0
        end as resolved_after_sla_count
    from disputes
    where resolved_date is not null

),

flows as (

    select
        month_periods.period_grain,
        month_periods.period_start_date,
        flow_events.customer_id,
        flow_events.company_code,
        flow_events.currency_code,
        flow_events.dispute_type,
        sum(flow_events.opened_count) as opened_count,
        sum(flow_events.resolved_count) as resolved_count,
        sum(flow_events.resolved_after_sla_count) as resolved_after_sla_count,
        0 as open_end_count,
        0 as open_end_over_sla_count,
        0 as open_end_disputed_amount,
        0 as open_end_disputed_document_ar,
        0 as open_end_any_dispute_document_ar
    from flow_events
    inner join month_periods
        on flow_events.month_start_date = month_periods.month_start_date
    group by 1, 2, 3, 4, 5, 6

),

open_at_end as (

    select
        disputes.*,
        periods.period_grain,
        periods.period_start_date,
        periods.period_end_date,
        -- A document's AR counts once per type, and once across types,
        -- however many disputes it has open: on its first open dispute
        -- (exact money: no share of a balance per dispute).
        row_number() over (
            partition by
                periods.period_grain,
                periods.period_start_date,
                disputes.document_id,
                disputes.dispute_type
            order by disputes.dispute_id
        ) = 1 as is_first_open_of_type_on_document,
        row_number() over (
            partition by
                periods.period_grain,
                periods.period_start_date,
                disputes.document_id
            order by disputes.dispute_id
        ) = 1 as is_first_open_on_document
    from periods
    inner join disputes
        on
            periods.period_end_date >= disputes.opened_date
            and (
                disputes.resolved_date is null
                or periods.period_end_date < disputes.resolved_date
            )

),

stocks as (

    select
        open_at_end.period_grain,
        open_at_end.period_start_date,
        open_at_end.customer_id,
        open_at_end.company_code,
        open_at_end.currency_code,
        open_at_end.dispute_type,
        0 as opened_count,
        0 as resolved_count,
        0 as resolved_after_sla_count,
        count(*) as open_end_count,
        sum(
            case
                when
                    {{ days_between('open_at_end.opened_date',
                        'open_at_end.period_end_date') }}
                    > open_at_end.sla_days
                    then 1
                else 0
            end
        ) as open_end_over_sla_count,
        sum(open_at_end.disputed_amount_reporting)
            as open_end_disputed_amount,
        sum(
            case
                when open_at_end.is_first_open_of_type_on_document
                    then open_document_balances.open_amount_reporting
            end
        ) as open_end_disputed_document_ar,
        sum(
            case
                when open_at_end.is_first_open_on_document
                    then open_document_balances.open_amount_reporting
            end
        ) as open_end_any_dispute_document_ar
    from open_at_end
    left join open_document_balances
        on
            open_at_end.period_end_date = open_document_balances.as_of_date
            and open_at_end.document_id = open_document_balances.document_id
    group by 1, 2, 3, 4, 5, 6

),

combined as (

    select * from flows
    union all
    select * from stocks

),

summed as (

    select
        period_grain,
        period_start_date,
        customer_id,
        company_code,
        currency_code,
        dispute_type,
        sum(opened_count) as opened_count,
        sum(resolved_count) as resolved_count,
        sum(resolved_after_sla_count) as resolved_after_sla_count,
        sum(open_end_count) as open_end_count,
        sum(open_end_over_sla_count) as open_end_over_sla_count,
        sum(open_end_disputed_amount) as open_end_disputed_amount,
        sum(open_end_disputed_document_ar) as open_end_disputed_document_ar,
        sum(open_end_any_dispute_document_ar)
            as open_end_any_dispute_document_ar
    from combined
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        summed.*,
        {{ customer_segment_columns('customer_segments') }}
    from summed
    left join {{ ref('int_kpi_customer_period_segments') }} as customer_segments
        on
            summed.period_grain = customer_segments.period_grain
            and summed.period_start_date = customer_segments.period_start_date
            and summed.customer_id = customer_segments.customer_id

)

select * from final
