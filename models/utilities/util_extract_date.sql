-- One row: the extract date every period and balance is computed as of.
-- The var extract_date when given, else the latest date found in the
-- staged extract: documents, applications, receipts, reversals,
-- adjustments, disputes, activities and feedback responses
-- (kpi_definitions.md). The validated models read it: a row dated after it
-- does not exist yet (validated_rows).
{%- set configured = "cast('" ~ var('extract_date') ~ "' as date)"
    if var('extract_date') else 'cast(null as date)' %}

with

documents as (

    select max(document_date) as latest_date
    from {{ ref('stg_erp__ar_documents') }}

),

applications as (

    select max(application_date) as latest_date
    from {{ ref('stg_erp__cash_applications') }}

),

receipts as (

    select
        max(receipt_date) as latest_date,
        max(reversal_date) as latest_reversal_date
    from {{ ref('stg_erp__cash_receipts') }}

),

adjustments as (

    select max(adjustment_date) as latest_date
    from {{ ref('stg_erp__adjustments') }}

),

disputes as (

    select
        max(opened_date) as latest_date,
        max(resolved_date) as latest_resolved_date
    from {{ ref('stg_erp__disputes') }}

),

activities as (

    select max(activity_date) as latest_date
    from {{ ref('stg_erp__collection_activities') }}

),

feedback as (

    select max(response_date) as latest_date
    from {{ ref('stg_erp__customer_feedback') }}

),

latest_dates as (

    select latest_date from documents
    union all
    select latest_date from applications
    union all
    select latest_date from receipts
    union all
    select latest_reversal_date from receipts
    union all
    select latest_date from adjustments
    union all
    select latest_date from disputes
    union all
    select latest_resolved_date from disputes
    union all
    select latest_date from activities
    union all
    select latest_date from feedback

),

final as (

    select
        max(latest_date) as latest_date_in_extract,
        coalesce({{ configured }}, max(latest_date)) as extract_date,
        case
            when {{ configured }} is null then 'latest date in the extract'
            else 'var extract_date'
        end as extract_date_source
    from latest_dates

)

select * from final
