-- Cash forecast accuracy per month (kpi_definitions.md): 1 - |forecast -
-- actual| / actual, NULL when actual <= 0 or there is no forecast.
--   actual   cash received in the month: receipts by receipt_date, minus
--            receipts reversed in the month by reversal_date (DECISIONS D43)
--   project  the forecast of int_cash_forecast_documents made at the
--            previous month end (back-tested: only data known then)
--   treasury the latest forecast in cash_forecasts made before the month
--            starts, per company (the ledger's: the sum of the companies',
--            compared with the cash of the companies forecast)
-- One row per source, segment (ledger / company) and month that has ended
-- by the extract date.

with

months as (

    select
        period_start_date,
        period_end_date
    from {{ ref('int_kpi_periods') }}
    where period_grain = 'month' and not is_partial_period

),

companies as (

    select distinct company_code from {{ ref('core_cash_receipts') }}

),

receipt_events as (

    select
        company_code,
        receipt_date as event_date,
        amount_reporting
    from {{ ref('core_cash_receipts') }}

    union all

    select
        company_code,
        reversal_date as event_date,
        -amount_reporting as amount_reporting
    from {{ ref('core_cash_receipts') }}
    where reversal_date is not null

),

actuals as (

    select
        months.period_start_date,
        receipt_events.company_code,
        sum(receipt_events.amount_reporting) as actual_cash_received_reporting
    from months
    inner join receipt_events
        on
            months.period_start_date <= receipt_events.event_date
            and months.period_end_date >= receipt_events.event_date
    group by 1, 2

),

project_forecasts as (

    select
        months.period_start_date,
        documents.company_code,
        documents.as_of_date as forecast_made_on_date,
        sum(documents.open_amount_reporting) as forecast_amount_reporting
    from months
    inner join {{ ref('int_cash_forecast_documents') }} as documents
        on
            documents.as_of_date
            = {{ add_days('months.period_start_date', -1) }}
            and months.period_start_date <= documents.expected_collection_date
            and months.period_end_date >= documents.expected_collection_date
    group by 1, 2, 3

),

treasury_ranked as (

    select
        months.period_start_date,
        forecasts.company_code,
        forecasts.made_on_date as forecast_made_on_date,
        forecasts.forecast_amount_reporting,
        row_number() over (
            partition by forecasts.company_code, months.period_start_date
            order by forecasts.made_on_date desc, forecasts.forecast_id desc
        ) as recency
    from months
    inner join {{ ref('stg_erp__cash_forecasts') }} as forecasts
        on
            months.period_start_date = forecasts.period_start_date
            and months.period_start_date > forecasts.made_on_date

),

forecasts as (

    select
        'project' as forecast_source,
        period_start_date,
        company_code,
        forecast_made_on_date,
        forecast_amount_reporting
    from project_forecasts

    union all

    select
        'treasury' as forecast_source,
        period_start_date,
        company_code,
        forecast_made_on_date,
        forecast_amount_reporting
    from treasury_ranked
    where recency = 1

),

sources as (

    select 'project' as forecast_source
    union all
    select 'treasury' as forecast_source

),

company_months as (

    -- Every source, company and month, with or without a forecast.
    select
        sources.forecast_source,
        months.period_start_date,
        months.period_end_date,
        companies.company_code
    from months
    cross join companies
    cross join sources

),

by_company as (

    select
        company_months.forecast_source,
        company_months.period_start_date,
        company_months.period_end_date,
        company_months.company_code,
        forecasts.forecast_made_on_date,
        forecasts.forecast_amount_reporting,
        coalesce(actuals.actual_cash_received_reporting, 0)
            as actual_cash_received_reporting
    from company_months
    left join forecasts
        on
            company_months.forecast_source = forecasts.forecast_source
            and company_months.period_start_date = forecasts.period_start_date
            and company_months.company_code = forecasts.company_code
    left join actuals
        on
            company_months.period_start_date = actuals.period_start_date
            and company_months.company_code = actuals.company_code

),

segments as (

    select
        forecast_source,
        period_start_date,
        period_end_date,
        'company' as segment_type,
        company_code as segment_value,
        case
            when forecast_amount_reporting is not null then 1 else 0
        end as companies_forecast,
        forecast_made_on_date,
        forecast_amount_reporting,
        actual_cash_received_reporting
    from by_company

    union all

    select
        forecast_source,
        period_start_date,
        period_end_date,
        'ledger' as segment_type,
        'all' as segment_value,
        count(forecast_amount_reporting) as companies_forecast,
        max(forecast_made_on_date) as forecast_made_on_date,
        sum(forecast_amount_reporting) as forecast_amount_reporting,
        -- Treasury's ledger row compares like with like: the cash of the
        -- companies it forecast (all companies' when it forecast none, and
        -- accuracy is NULL). The project forecasts every company: one
        -- without an open item is forecast to pay nothing.
        case
            when
                forecast_source = 'treasury'
                and count(forecast_amount_reporting) > 0
                then sum(
                        case
                            when forecast_amount_reporting is not null
                                then actual_cash_received_reporting
                        end
                    )
            else sum(actual_cash_received_reporting)
        end as actual_cash_received_reporting
    from by_company
    group by 1, 2, 3

),

final as (

    select
        {{ dbt.concat([
            'forecast_source', "'|'", 'segment_type', "'|'", 'segment_value',
            "'|'", dbt.cast('period_start_date', dbt.type_string()),
        ]) }} as cash_forecast_accuracy_id,
        forecast_source,
        segment_type,
        segment_value,
        period_start_date,
        period_end_date,
        cast(companies_forecast as integer) as companies_forecast,
        forecast_made_on_date,
        forecast_amount_reporting,
        actual_cash_received_reporting,
        abs(forecast_amount_reporting - actual_cash_received_reporting)
            as absolute_error_reporting,
        case
            when actual_cash_received_reporting > 0
                then
                    1 - {{ ratio(
                        'abs(forecast_amount_reporting - actual_cash_received_reporting)',
                        'actual_cash_received_reporting'
                    ) }}
        end as forecast_accuracy
    from segments

)

select * from final
