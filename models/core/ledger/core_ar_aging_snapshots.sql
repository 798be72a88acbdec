-- One row per open invoice or debit memo per as-of date: every month end
-- before the extract date, and the extract date. Days past due at the as-of
-- date and the aging bucket (seed aging_buckets); amounts in document and
-- reporting currency. Credit memos and unapplied cash are not aged (see
-- fct_unapplied_balance_snapshots).
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
-- depends_on: {{ ref('util_extract_date') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['document', 'document_id']],
    restate_as_of_column='as_of_date',
) }}

with

open_items as (

    select
        document_id,
        as_of_date,
        open_amount_document,
        open_amount_reporting
    from {{ ref('int_ar_open_items_snapshotted') }}
    {{ restated_or_after_frontier() }}

),

documents as (

    select
        document_id,
        document_type,
        customer_id,
        company_code,
        currency_code,
        document_date,
        due_date
    from {{ ref('int_ar_documents_validated') }}

),

as_of_dates as (

    select
        as_of_date,
        is_month_end,
        is_extract_date
    from {{ ref('int_as_of_dates') }}

),

buckets as (

    select
        bucket_order,
        aging_bucket,
        min_days_past_due,
        max_days_past_due
    from {{ ref('aging_buckets') }}

),

aged as (

    select
        open_items.as_of_date,
        as_of_dates.is_month_end,
        as_of_dates.is_extract_date,
        documents.document_id,
        documents.document_type,
        documents.customer_id,
        documents.company_code,
        documents.currency_code,
        documents.document_date,
        documents.due_date,
        open_items.open_amount_document,
        open_items.open_amount_reporting,
        {{ days_between('documents.due_date', 'open_items.as_of_date') }}
            as days_past_due
    from open_items
    inner join documents
        on open_items.document_id = documents.document_id
    inner join as_of_dates
        on open_items.as_of_date = as_of_dates.as_of_date

),

final as (

    select
        {{ dbt.concat([dbt.cast('aged.as_of_date', dbt.type_string()), "'|'",
            'aged.document_id']) }} as aging_snapshot_id,
        aged.as_of_date,
        aged.is_month_end,
        aged.is_extract_date,
        aged.document_id,
        aged.document_type,
        aged.customer_id,
        aged.company_code,
        aged.currency_code,
        aged.document_date,
        aged.due_date,
        aged.days_past_due,
        buckets.aging_bucket,
        cast(buckets.bucket_order as integer) as aging_bucket_order,
        cast(aged.open_amount_document as decimal(18, 4))
            as open_amount_document,
        {{ to_money('aged.open_amount_reporting') }} as open_amount_reporting,
        aged.open_amount_document < 0 as is_over_applied
    from aged
    left join buckets
        on {{ in_aging_bucket('aged.days_past_due', 'buckets') }}

)

select * from final
