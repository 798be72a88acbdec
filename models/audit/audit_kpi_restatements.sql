-- Restatements: KPI values of closed periods that changed since they were
-- first reported (audit_kpi_close_history), with the value as first
-- reported, the current value and the difference. The events behind a
-- restatement are in rpt_kpi_restatement_causes. One row per restated
-- kpi_value_id.

with

history as (

    select
        *,
        row_number() over (
            partition by kpi_value_id order by run_started_at
        ) as report_number,
        count(*) over (partition by kpi_value_id) as recorded_versions
    from {{ ref('audit_kpi_close_history') }}

),

first_reports as (

    select * from history
    where report_number = 1

),

current_values as (

    select
        kpi_value_id,
        kpi_value
    from {{ ref('int_kpi_values') }}
    where is_closed

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

final as (

    -- Columns in the order of the mart's contract (rpt_kpi_restatements).
    select  -- noqa: ST06
        first_reports.kpi_value_id,
        first_reports.period_grain,
        first_reports.period_start_date,
        first_reports.period_end_date,
        first_reports.segment_type,
        first_reports.segment_value,
        first_reports.kpi_name,
        first_reports.kpi_variant,
        first_reports.unit,
        first_reports.run_started_at as first_reported_at,
        first_reports.extract_date as first_reported_extract_date,
        first_reports.kpi_value as first_reported_value,
        extract_date.extract_date as current_extract_date,
        current_values.kpi_value as current_value,
        current_values.kpi_value - first_reports.kpi_value as difference,
        cast(first_reports.recorded_versions as integer) as recorded_versions
    from first_reports
    inner join current_values
        on first_reports.kpi_value_id = current_values.kpi_value_id
    cross join extract_date
    where
        (first_reports.kpi_value is null) <> (current_values.kpi_value is null)
        or abs(first_reports.kpi_value - current_values.kpi_value) > 1e-6

)

select * from final
