-- The cash forecast at the extract date: the open INV/DM expected to be
-- collected, rolled up to ISO weeks (starting Monday) and calendar months,
-- per company. Documents not forecast (more than forecast_max_days_past_due
-- past due without a promise) are not in it.
-- One row per period grain, period start and company.

with

forecast_documents as (

    select
        as_of_date,
        company_code,
        expected_collection_date,
        expected_date_basis,
        dispute_resolution_days,
        open_amount_reporting
    from {{ ref('int_cash_forecast_documents') }}
    where is_extract_date and expected_collection_date is not null

),

by_grain as (

    {%- for grain in ['week', 'month'] %}
        select
            '{{ grain }}' as period_grain,
            cast(
                {{ dbt.date_trunc(grain, 'expected_collection_date') }} as date
            )
                as period_start_date,
            *
        from forecast_documents
        {{- '\n    union all\n' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        {{ dbt.concat([
            'period_grain', "'|'",
            dbt.cast('period_start_date', dbt.type_string()), "'|'",
            'company_code',
        ]) }} as cash_forecast_id,
        period_grain,
        period_start_date,
        company_code,
        max(as_of_date) as as_of_date,
        count(*) as document_count,
        sum(open_amount_reporting) as expected_amount_reporting,
        sum(
            case
                when expected_date_basis = 'promise' then open_amount_reporting
                else 0
            end
        ) as promised_amount_reporting,
        sum(
            case
                when dispute_resolution_days is not null
                    then open_amount_reporting
                else 0
            end
        ) as disputed_amount_reporting,
        sum(
            case
                when expected_date_basis = 'overdue' then open_amount_reporting
                else 0
            end
        ) as overdue_amount_reporting
    from by_grain
    group by 2, 3, 4

)

select * from final
