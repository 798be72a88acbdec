-- The documents and events behind each restatement: balance events (AR,
-- unapplied credits, unapplied cash) first seen in an extract after the
-- value was first reported, dated on or before the period's end (so they
-- change its balances or sales), belonging to the restated row's segment
-- (the event's company and currency, the customer's segment values for the
-- period; unidentified cash belongs to no customer segment). One row per
-- restated KPI value and event.

with

restatements as (

    select
        kpi_value_id,
        period_grain,
        period_start_date,
        period_end_date,
        segment_type,
        segment_value,
        kpi_name,
        first_reported_at
    from {{ ref('audit_kpi_restatements') }}

),

events as (

    select
        event_fingerprint,
        balance_kind,
        balance_event_id,
        document_id,
        source_id,
        event_type,
        event_date,
        company_code,
        currency_code,
        customer_id,
        amount_reporting_change,
        first_seen_at,
        first_seen_extract_date
    from {{ ref('audit_ledger_event_first_seen') }}

),

final as (

    select
        {{ dbt.concat([
            'restatements.kpi_value_id', "'|'", 'events.event_fingerprint',
        ]) }} as restatement_cause_id,
        restatements.kpi_value_id,
        restatements.kpi_name,
        restatements.period_grain,
        restatements.period_start_date,
        restatements.segment_type,
        restatements.segment_value,
        events.balance_kind,
        events.balance_event_id,
        events.event_type,
        events.event_date,
        events.document_id,
        events.source_id,
        events.customer_id,
        events.amount_reporting_change,
        events.first_seen_at,
        events.first_seen_extract_date
    from restatements
    inner join events
        on
            restatements.first_reported_at < events.first_seen_at
            and restatements.period_end_date >= events.event_date
    left join {{ ref('int_kpi_customer_period_segments') }} as segments
        on
            events.customer_id = segments.customer_id
            and restatements.period_grain = segments.period_grain
            and restatements.period_start_date = segments.period_start_date
    where
        restatements.segment_value = case restatements.segment_type
            {%- for segment_type, column in kpi_segment_columns() %}
                when '{{ segment_type }}'
                    then
                        {%- if column is none %} 'all'
                    {%- elif column in ('company_code', 'currency_code') %}
                            events.{{ column }}
                    {%- else %} segments.{{ column }}
                    {%- endif %}
            {%- endfor %}
        end

)

select * from final
