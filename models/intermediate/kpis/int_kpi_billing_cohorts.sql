-- One row per billing month m, customer, company and currency: the INV/DM
-- issued in m (the cohort) and what of them was at risk at the end of month
-- m+3 (kpi_definitions.md v2, billing-cohort at-risk rate; DECISIONS D78):
--   cohort_at_risk_amount = their positive balances at end(m+3)
--                           + their net write-offs dated through end(m+3)
-- known only once month m+3 is closed (close_lag_days after its end);
-- before that the at-risk amount is 0 and is_m3_closed false.
-- Amounts in reporting currency at the documents' historical rates.

with

documents as (

    select
        document_id,
        customer_id,
        company_code,
        currency_code,
        cast({{ dbt.date_trunc('month', 'document_date') }} as date)
            as billing_month_start_date,
        amount_reporting
    from {{ ref('core_ar_documents') }}
    where document_type in ('INV', 'DM')

),

cohort_months as (

    -- Month m+3 of each billing month: its calendar end, and whether it is
    -- closed (int_kpi_periods).
    select
        period_start_date as billing_month_start_date,
        {{ add_days(
            dbt.dateadd('month', 4, 'period_start_date'), -1
        ) }} as m3_end_date,
        is_m3_closed
    from {{ ref('int_kpi_periods') }}
    where period_grain = 'month'

),

documents_m3 as (

    select
        documents.*,
        cohort_months.m3_end_date,
        cohort_months.is_m3_closed
    from documents
    inner join cohort_months
        on
            documents.billing_month_start_date
            = cohort_months.billing_month_start_date

),

open_at_m3 as (

    -- An over-applied document owes nothing: only positive balances.
    select
        documents_m3.document_id,
        greatest(snapshots.open_amount_reporting, 0) as open_amount_reporting
    from documents_m3
    inner join {{ ref('core_ar_aging_snapshots') }} as snapshots
        on
            documents_m3.document_id = snapshots.document_id
            and documents_m3.m3_end_date = snapshots.as_of_date
    where documents_m3.is_m3_closed

),

written_off_by_m3 as (

    select
        documents_m3.document_id,
        -sum(balance_events.amount_reporting_change) as net_write_offs_reporting
    from documents_m3
    inner join {{ ref('int_ar_balance_events') }} as balance_events
        on documents_m3.document_id = balance_events.document_id
    where
        documents_m3.is_m3_closed
        and balance_events.event_type in ('write_off', 'recovery')
        and balance_events.event_date <= documents_m3.m3_end_date
    group by 1

),

final as (

    select
        documents_m3.billing_month_start_date,
        documents_m3.customer_id,
        documents_m3.company_code,
        documents_m3.currency_code,
        documents_m3.m3_end_date,
        documents_m3.is_m3_closed,
        count(*) as cohort_document_count,
        {{ to_money('sum(documents_m3.amount_reporting)') }} as cohort_amount,
        {{ to_money(
            'sum(coalesce(open_at_m3.open_amount_reporting, 0))'
        ) }} as cohort_open_m3_amount,
        {{ to_money(
            'sum(coalesce(written_off_by_m3.net_write_offs_reporting, 0))'
        ) }} as cohort_net_write_offs_m3_amount
    from documents_m3
    left join open_at_m3
        on documents_m3.document_id = open_at_m3.document_id
    left join written_off_by_m3
        on documents_m3.document_id = written_off_by_m3.document_id
    group by 1, 2, 3, 4, 5, 6

)

select * from final
