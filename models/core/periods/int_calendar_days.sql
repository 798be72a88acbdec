-- One row per calendar day from the first day of the ledger's first year to
-- the end of the extract date's month: month, quarter and year bounds,
-- weekday, holidays (seed holidays, empty by default) and business days.
-- The days of the first year before the ledger's first month belong to
-- periods the ledger partly covers (D33: they count in those periods' days);
-- is_before_ledger marks them, and no month before the ledger is reported.

with

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

documents as (

    select min(document_date) as first_document_date
    from {{ ref('int_ar_documents_validated') }}

),

bounds as (

    select
        {{ dbt.date_trunc('month', 'coalesce(documents.first_document_date, '
            ~ 'extract_date.extract_date)') }} as first_month_day,
        {{ dbt.date_trunc('year', 'coalesce(documents.first_document_date, '
            ~ 'extract_date.extract_date)') }} as first_day,
        {{ dbt.last_day('extract_date.extract_date', 'month') }} as last_day
    from extract_date
    cross join documents

),

days as (

    {{ date_series(
        '(select first_day from bounds)', '(select last_day from bounds)'
    ) }}

),

holidays as (

    select holiday_date from {{ ref('holidays') }}

),

final as (

    select
        days.date_day,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date)
            as month_start_date,
        cast({{ dbt.last_day('days.date_day', 'month') }} as date)
            as month_end_date,
        cast({{ dbt.date_trunc('quarter', 'days.date_day') }} as date)
            as quarter_start_date,
        cast({{ dbt.last_day('days.date_day', 'quarter') }} as date)
            as quarter_end_date,
        cast({{ dbt.date_trunc('year', 'days.date_day') }} as date)
            as year_start_date,
        cast({{ dbt.last_day('days.date_day', 'year') }} as date)
            as year_end_date,
        cast({{ iso_day_of_week('days.date_day') }} as integer)
            as iso_day_of_week,
        days.date_day < bounds.first_month_day as is_before_ledger,
        holidays.holiday_date is not null as is_holiday,
        {{ iso_day_of_week('days.date_day') }} <= 5
        and holidays.holiday_date is null as is_business_day
    from days
    cross join bounds
    left join holidays
        on days.date_day = holidays.holiday_date

)

select * from final
