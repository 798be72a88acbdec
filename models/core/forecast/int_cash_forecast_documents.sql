-- The cash forecast per document: one row per open INV/DM (positive open
-- balance) at each month end and at the extract date, with the date it is
-- expected to be collected, using only what was dated by that date (one
-- exception, D86: which documents count as paid in the history is read
-- from today's ledger, so a receipt reversed later, or a write-off after
-- the payment, is already left out)
-- (DECISIONS D42, revised by D83 after measuring its error in days):
--   history   due_date + the customer's days beyond terms (v2; signed:
--             early counts negative) over the documents paid in the
--             trailing risk_window_months (12) up to the as-of month; the
--             ledger's when the customer paid nothing then; 0 when nobody
--             did (int_customer_days_beyond_terms)
--   dispute   an open dispute holds the payment until it is expected to be
--             resolved: its opened_date plus the typical resolution time of
--             its type (the mean days to resolve of that type's disputes
--             resolved in the trailing window; the type's SLA from
--             kpi_benchmarks when none were), when that is later than the
--             history date
--   promise   an open promise naming the document overrides: its promised
--             date. A promise without a document covers the customer's open
--             documents by due date up to the promised amount, as a
--             deadline: it brings a later date forward, never pushes an
--             earlier one back, and dates no document too far past due
--   due_date  a date on or before the as-of date for a document not yet due
--             (an early payer that has not paid this one yet) moves to the
--             due date
--   overdue   a date on or before the as-of date for a document past due
--             moves to the next day; beyond forecast_max_days_past_due (90)
--             past due, without a promise, the document is not forecast (the
--             allowance covers it): expected_collection_date is NULL
{%- set reporting_currency = var('reporting_currency') %}

with

open_items as (

    select
        as_of_date,
        is_extract_date,
        document_id,
        customer_id,
        company_code,
        due_date,
        days_past_due,
        open_amount_reporting,
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date)
            as as_of_month_start_date
    from {{ ref('core_ar_aging_snapshots') }}
    where open_amount_reporting > 0

),

as_of_dates as (

    select distinct
        as_of_date,
        as_of_month_start_date
    from open_items

),

customer_history as (

    select
        customer_id,
        month_start_date,
        customer_days_beyond_terms,
        trailing_days_beyond_terms
    from {{ ref('int_customer_days_beyond_terms') }}

),

disputes as (

    select
        document_id,
        dispute_type,
        opened_date,
        resolved_date
    from {{ ref('int_disputes_validated') }}

),

typical_resolution as (

    -- Mean days to resolve per dispute type over the trailing window.
    select
        as_of_dates.as_of_date,
        disputes.dispute_type,
        avg(
            {{ days_between('disputes.opened_date', 'disputes.resolved_date') }}
        ) as typical_resolution_days
    from as_of_dates
    inner join disputes
        on
            as_of_dates.as_of_date >= disputes.resolved_date
            and disputes.resolved_date > {{ dbt.dateadd(
                'month', - var('risk_window_months'), 'as_of_dates.as_of_date'
            ) }}
    group by 1, 2

),

dispute_slas as (

    select
        benchmark_key as dispute_type,
        max_value as sla_days
    from {{ ref('kpi_benchmarks') }}
    where kpi_name = 'dispute_resolution_median_days' and status = 'good'

),

open_disputes as (

    -- Disputes open at the as-of date, per document: the longest typical
    -- resolution among them and the latest date they are expected to be
    -- resolved by.
    select
        open_items.as_of_date,
        open_items.document_id,
        max(
            coalesce(
                typical_resolution.typical_resolution_days,
                dispute_slas.sla_days
            )
        ) as dispute_resolution_days,
        max(
            {{ add_days(
                'disputes.opened_date',
                'cast(' ~ round_exact(
                    'coalesce(typical_resolution.typical_resolution_days, '
                    ~ 'dispute_slas.sla_days)', 0
                ) ~ ' as integer)'
            ) }}
        ) as dispute_resolution_date
    from open_items
    inner join disputes
        on
            open_items.document_id = disputes.document_id
            and open_items.as_of_date >= disputes.opened_date
            and (
                disputes.resolved_date is null
                or open_items.as_of_date < disputes.resolved_date
            )
    left join typical_resolution
        on
            open_items.as_of_date = typical_resolution.as_of_date
            and disputes.dispute_type = typical_resolution.dispute_type
    left join dispute_slas
        on disputes.dispute_type = dispute_slas.dispute_type
    group by 1, 2

),

promises as (

    select
        promises.promise_id,
        promises.customer_id,
        promises.document_id,
        promises.created_date,
        promises.promised_date,
        {{ to_reporting(
            'promises.promised_amount',
            "case when promises.promise_currency_code = '" ~ reporting_currency
            ~ "' then " ~ to_rate(1) ~ " else rates.rate_to_reporting end"
        ) }} as promised_amount_reporting
    from {{ ref('core_promises_to_pay') }} as promises
    left join {{ ref('int_fx_rates_resolved') }} as rates
        on
            promises.promise_currency_code = rates.currency_code
            and promises.created_date = rates.rate_date

),

open_promises as (

    -- Promises made on or before the as-of date for a later date.
    select
        as_of_dates.as_of_date,
        promises.customer_id,
        promises.document_id,
        promises.created_date,
        promises.promised_date,
        promises.promised_amount_reporting
    from as_of_dates
    inner join promises
        on
            as_of_dates.as_of_date >= promises.created_date
            and as_of_dates.as_of_date < promises.promised_date

),

document_promises as (

    select
        as_of_date,
        document_id,
        min(promised_date) as promised_date
    from open_promises
    where document_id is not null
    group by 1, 2

),

customer_promises as (

    select
        as_of_date,
        customer_id,
        min(promised_date) as promised_date,
        sum(promised_amount_reporting) as promised_amount_reporting
    from open_promises
    where document_id is null
    group by 1, 2

),

customer_promise_coverage as (

    -- A promise without a document covers the customer's open documents
    -- in due-date order while the amount before them is under the promise.
    select
        open_items.as_of_date,
        open_items.document_id,
        customer_promises.promised_date,
        customer_promises.promised_amount_reporting,
        coalesce(sum(open_items.open_amount_reporting) over (
            partition by open_items.as_of_date, open_items.customer_id
            order by open_items.due_date, open_items.document_id
            rows between unbounded preceding and 1 preceding
        ), 0) as open_amount_before
    from open_items
    inner join customer_promises
        on
            open_items.as_of_date = customer_promises.as_of_date
            and open_items.customer_id = customer_promises.customer_id

),

estimated as (

    select
        open_items.*,
        open_disputes.dispute_resolution_days,
        open_disputes.dispute_resolution_date,
        document_promises.promised_date as document_promised_date,
        customer_history.customer_days_beyond_terms is not null
            as has_customer_history,
        coalesce(customer_history.trailing_days_beyond_terms, 0)
            as history_days_late,
        case
            when
                customer_promise_coverage.open_amount_before
                < customer_promise_coverage.promised_amount_reporting
                then customer_promise_coverage.promised_date
        end as customer_promised_date
    from open_items
    left join customer_history
        on
            open_items.customer_id = customer_history.customer_id
            and open_items.as_of_month_start_date
            = customer_history.month_start_date
    left join open_disputes
        on
            open_items.as_of_date = open_disputes.as_of_date
            and open_items.document_id = open_disputes.document_id
    left join document_promises
        on
            open_items.as_of_date = document_promises.as_of_date
            and open_items.document_id = document_promises.document_id
    left join customer_promise_coverage
        on
            open_items.as_of_date = customer_promise_coverage.as_of_date
            and open_items.document_id = customer_promise_coverage.document_id

),

dated as (

    select
        *,
        {{ add_days(
            'due_date',
            'cast(' ~ round_exact('history_days_late', 0) ~ ' as integer)'
        ) }} as history_collection_date
    from estimated

),

held as (

    -- An open dispute expected to be resolved after the history date holds
    -- the payment until then.
    select
        *,
        coalesce(dispute_resolution_date > history_collection_date, false)
            as is_held_by_dispute,
        case
            when dispute_resolution_date > history_collection_date
                then dispute_resolution_date
            else history_collection_date
        end as unpromised_date
    from dated

),

unpromised as (

    -- The date without a promise: one on or before the as-of date moves to
    -- the due date when the document is not yet due, else to the next day.
    select
        *,
        case
            when unpromised_date > as_of_date then unpromised_date
            when due_date > as_of_date then due_date
            else {{ add_days('as_of_date', 1) }}
        end as unpromised_expected_date,
        case
            when unpromised_date > as_of_date and is_held_by_dispute
                then 'dispute'
            when unpromised_date > as_of_date then 'history'
            when due_date > as_of_date then 'due_date'
            else 'overdue'
        end as unpromised_basis
    from held

),

promised as (

    -- A promise naming the document dates it. A promise without one is a
    -- deadline for the forecast documents it covers: it brings a later date
    -- forward, never pushes an earlier one back, and dates nothing too far
    -- past due to be forecast.
    select
        *,
        coalesce(document_promised_date, customer_promised_date)
            as promised_date,
        coalesce(
            document_promised_date is not null
            or (
                days_past_due <= {{ var('forecast_max_days_past_due') }}
                and customer_promised_date < unpromised_expected_date
            ),
            false
        ) as is_dated_by_promise
    from unpromised

),

final as (

    select
        {{ dbt.concat([
            dbt.cast('as_of_date', dbt.type_string()), "'|'", 'document_id',
        ]) }} as forecast_document_id,
        as_of_date,
        is_extract_date,
        document_id,
        customer_id,
        company_code,
        due_date,
        days_past_due,
        open_amount_reporting,
        coalesce(has_customer_history, false) as has_customer_history,
        history_days_late,
        dispute_resolution_days,
        dispute_resolution_date,
        promised_date,
        history_collection_date,
        case
            when is_dated_by_promise then promised_date
            when days_past_due > {{ var('forecast_max_days_past_due') }}
                then null
            else unpromised_expected_date
        end as expected_collection_date,
        case
            when is_dated_by_promise then 'promise'
            when days_past_due > {{ var('forecast_max_days_past_due') }}
                then 'not_forecast'
            else unpromised_basis
        end as expected_date_basis
    from promised

)

select * from final
