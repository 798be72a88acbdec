-- Forecast error in days (kpi_definitions.md v2; DECISIONS D83): one row per
-- month and INV/DM "paid" in it (int_ar_paid_documents) that was open (a
-- positive balance) at the previous month end, with the date each of three
-- forecasts made at that month end expected it to be settled, and how many
-- days each missed the paid date by. The weight is the open balance at that
-- month end.
--   project        expected_collection_date of the cash forecast
--                  (int_cash_forecast_documents); NULL when it did not
--                  forecast the document (too far past due, no promise)
--   due_baseline   the due date, or the day after the month end when the
--                  document was already due (past due, or due that day)
--   dbt_baseline   the due date plus the customer's days beyond terms over
--                  the trailing risk_window_months (12) up to that month
--                  end (int_customer_days_beyond_terms: the ledger's when
--                  the customer paid nothing then, 0 when nobody did),
--                  rounded to whole days, or the day after the month end
--                  when that date has passed

with

paid_documents as (

    select
        document_id,
        paid_date,
        cast({{ dbt.date_trunc('month', 'paid_date') }} as date)
            as month_start_date
    from {{ ref('int_ar_paid_documents') }}

),

forecasts as (

    select
        as_of_date,
        document_id,
        customer_id,
        company_code,
        due_date,
        open_amount_reporting,
        expected_collection_date,
        expected_date_basis,
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date)
            as as_of_month_start_date
    from {{ ref('int_cash_forecast_documents') }}

),

documents as (

    select
        document_id,
        currency_code
    from {{ ref('core_ar_documents') }}

),

customer_days_beyond_terms as (

    select
        customer_id,
        month_start_date,
        trailing_days_beyond_terms
    from {{ ref('int_customer_days_beyond_terms') }}

),

open_at_month_end as (

    select
        paid_documents.month_start_date,
        forecasts.as_of_date,
        forecasts.document_id,
        forecasts.customer_id,
        forecasts.company_code,
        documents.currency_code,
        forecasts.due_date,
        paid_documents.paid_date,
        forecasts.open_amount_reporting,
        forecasts.expected_collection_date,
        forecasts.expected_date_basis,
        -- Due on the month end or before: still open then, so the next day.
        case
            when forecasts.due_date <= forecasts.as_of_date
                then {{ add_days('forecasts.as_of_date', 1) }}
            else forecasts.due_date
        end as due_baseline_date,
        coalesce(customer_days_beyond_terms.trailing_days_beyond_terms, 0)
            as baseline_days_beyond_terms
    from paid_documents
    inner join forecasts
        on
            paid_documents.document_id = forecasts.document_id
            and forecasts.as_of_date
            = {{ add_days('paid_documents.month_start_date', -1) }}
    inner join documents
        on paid_documents.document_id = documents.document_id
    left join customer_days_beyond_terms
        on
            forecasts.customer_id = customer_days_beyond_terms.customer_id
            and forecasts.as_of_month_start_date
            = customer_days_beyond_terms.month_start_date

),

dbt_dated as (

    select
        *,
        {{ add_days(
            'due_date',
            'cast(' ~ round_exact('baseline_days_beyond_terms', 0)
            ~ ' as integer)'
        ) }} as dbt_date
    from open_at_month_end

),

dated as (

    select
        *,
        case
            when dbt_date <= as_of_date then {{ add_days('as_of_date', 1) }}
            else dbt_date
        end as dbt_baseline_date
    from dbt_dated

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('month_start_date', dbt.type_string()), "'|'", 'document_id',
        ]) }} as forecast_error_id,
        month_start_date,
        as_of_date,
        document_id,
        customer_id,
        company_code,
        currency_code,
        due_date,
        paid_date,
        open_amount_reporting,
        expected_collection_date,
        expected_date_basis,
        due_baseline_date,
        baseline_days_beyond_terms,
        dbt_baseline_date,
        abs({{ days_between('expected_collection_date', 'paid_date') }})
            as forecast_error_days,
        abs({{ days_between('due_baseline_date', 'paid_date') }})
            as due_baseline_error_days,
        abs({{ days_between('dbt_baseline_date', 'paid_date') }})
            as dbt_baseline_error_days
    from dated

)

select * from final
