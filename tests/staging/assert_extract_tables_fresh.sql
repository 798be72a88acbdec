-- Reads models private to the intake group.
{{ config(group='intake') }}
{{ config(severity='warn') }}
-- Freshness against the extract date, not the wall clock: a table whose
-- latest date (its contract date_column) trails the extract date by more
-- than source_max_lag_days warns; an extract missing recent data for one
-- table is usually a partial export.
{%- set date_columns = {
    'ar_documents': 'document_date', 'cash_receipts': 'receipt_date',
    'cash_applications': 'application_date', 'fx_rates': 'rate_date',
} %}

with

latest as (

    {% for table_name, column in date_columns.items() -%}
        select
            '{{ table_name }}' as table_name,
            max({{ column }}) as latest_date
        from {{ ref('base_erp__' ~ table_name) }}
        where row_status = 'staged'
        {{- '\n    union all' if not loop.last }}
    {% endfor %}
),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

)

select
    latest.table_name,
    latest.latest_date,
    extract_date.extract_date
from latest
cross join extract_date
where
    latest.latest_date is not null
    and latest.latest_date < {{ dbt.dateadd(
        'day', -var('source_max_lag_days'), 'extract_date.extract_date'
    ) }}
