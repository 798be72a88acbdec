{#- The documents behind the additive inputs of KPI rows, for the periods in
    `periods` (a relation or CTE with int_kpi_periods' columns): one row per
    period, input and document with its amount in reporting currency and
    every segment value it counts under (the document's company and
    currency; the customer's segment values for that period). Summed over a
    segment's rows, each input equals that period-segment's column in the
    KPI marts:
      ar_begin        open INV/DM at the day before the period
      ar_end          open INV/DM at the period's end
      current_ar_end  those not yet due at the period's end
      credit_sales    INV/DM dated in the period
      write_offs      write-offs dated in the period (positive)
    Used by the model rpt_kpi_input_documents and the analysis
    kpi_documents, which pass the relations it reads: aging_snapshots
    (core_ar_aging_snapshots), documents (core_ar_documents), balance_events
    (int_ar_balance_events) and segments (int_kpi_customer_period_segments). -#}
{% macro kpi_input_documents(periods, aging_snapshots, documents, balance_events, segments) %}
    {%- set customer_columns = rpm.customer_segment_columns('segments') %}
    with

    input_periods as (

        select
            period_grain,
            period_start_date,
            period_end_date,
            ar_begin_date
        from {{ periods }}

    ),

    end_inputs as (

        select 'ar_end' as kpi_input
        union all
        select 'current_ar_end' as kpi_input

    ),

    items as (

        select
            input_periods.period_grain,
            input_periods.period_start_date,
            'ar_begin' as kpi_input,
            snapshots.document_id,
            snapshots.open_amount_reporting as amount_reporting
        from input_periods
        inner join {{ aging_snapshots }} as snapshots
            on input_periods.ar_begin_date = snapshots.as_of_date

        union all

        -- Open items at the period's end count in ar_end, and in
        -- current_ar_end while not yet due.
        select
            input_periods.period_grain,
            input_periods.period_start_date,
            end_inputs.kpi_input,
            snapshots.document_id,
            snapshots.open_amount_reporting as amount_reporting
        from input_periods
        inner join {{ aging_snapshots }} as snapshots
            on input_periods.period_end_date = snapshots.as_of_date
        inner join end_inputs
            on
                end_inputs.kpi_input = 'ar_end'
                or snapshots.days_past_due <= 0

        union all

        select
            input_periods.period_grain,
            input_periods.period_start_date,
            'credit_sales' as kpi_input,
            documents.document_id,
            documents.amount_reporting
        from input_periods
        inner join {{ documents }} as documents
            on
                documents.document_date >= input_periods.period_start_date
                and documents.document_date <= input_periods.period_end_date
        where documents.document_type in ('INV', 'DM')

        union all

        select
            input_periods.period_grain,
            input_periods.period_start_date,
            'write_offs' as kpi_input,
            events.document_id,
            -events.amount_reporting_change as amount_reporting
        from input_periods
        inner join {{ balance_events }} as events
            on
                events.event_date >= input_periods.period_start_date
                and events.event_date <= input_periods.period_end_date
        where events.event_type = 'write_off'

    ),

    by_document as (

        select
            period_grain,
            period_start_date,
            kpi_input,
            document_id,
            sum(amount_reporting) as amount_reporting
        from items
        group by 1, 2, 3, 4

    )

    select
        {{ dbt.concat([
            'by_document.period_grain', "'|'",
            dbt.cast('by_document.period_start_date', dbt.type_string()), "'|'",
            'by_document.kpi_input', "'|'", 'by_document.document_id',
        ]) }} as kpi_input_document_id,
        by_document.period_grain,
        by_document.period_start_date,
        by_document.kpi_input,
        by_document.document_id,
        documents.document_number,
        documents.document_type,
        documents.document_date,
        documents.due_date,
        documents.customer_id,
        documents.company_code,
        documents.currency_code,
        {{ customer_columns }},
        by_document.amount_reporting
    from by_document
    inner join {{ documents }} as documents
        on by_document.document_id = documents.document_id
    left join {{ segments }} as segments
        on
            documents.customer_id = segments.customer_id
            and by_document.period_grain = segments.period_grain
            and by_document.period_start_date = segments.period_start_date
{% endmacro %}
