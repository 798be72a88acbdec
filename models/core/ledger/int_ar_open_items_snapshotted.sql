-- One row per invoice or debit memo open (balance not zero) at an as-of date
-- (int_as_of_dates), with its open balance in document and reporting
-- currency. Only events dated on or before the as-of date count, so a
-- payment made after a month end never changes that month end.
--
-- Incremental (docs/incremental.md): restated documents get every as-of
-- date; any other document has no event after the previous extract date, so
-- its balance there holds at every as-of date from the frontier on.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['document', 'document_id']],
    restate_as_of_column='as_of_date',
) }}

with

balance_events as (

    select
        document_id,
        event_date,
        amount_document_change,
        amount_reporting_change
    from {{ ref('int_ar_balance_events') }}
    {{ restated_snapshot_keys() }}

),

documents as (

    select
        document_id,
        document_date
    from {{ ref('int_ar_documents_validated') }}

),

balances as (

    {{ running_balances(
        'balance_events', 'document_id',
        'amount_document_change', 'amount_reporting_change',
        extract_date=ref('util_extract_date'),
        as_of_dates=ref('int_as_of_dates'),
    ) }}

),

computed as (

    select
        balances.document_id,
        balances.as_of_date,
        balances.balance as open_amount_document,
        balances.balance_reporting as open_amount_reporting
    from balances
    inner join documents
        on balances.document_id = documents.document_id
    -- A document exists from its document_date.
    where documents.document_date <= balances.as_of_date

),

{% if is_incremental() -%}
carried as (

    select
        stored.document_id,
        as_of_dates.as_of_date,
        stored.open_amount_document,
        stored.open_amount_reporting
    from {{ this }} as stored
    {{ carried_forward_as_of_dates('stored') }}

),

{% endif -%}
final as (

    select * from computed
    {{ restated_or_after_frontier() }}
    {%- if is_incremental() %}

    union all

    select * from carried
    {%- endif %}

)

select * from final
