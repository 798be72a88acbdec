-- One row per credit memo or receipt with a balance not yet applied at an
-- as-of date: unapplied credits are negative, unapplied cash positive.
--
-- Incremental (docs/incremental.md): restated sources get every as-of date;
-- any other source has no event after the previous extract date, so its
-- balance there holds at every as-of date from the frontier on.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['receipt', 'source_id'], ['document', 'source_id']],
    restate_as_of_column='as_of_date',
) }}

with

unapplied_events as (

    select
        source_key,
        event_date,
        amount_transaction_change,
        amount_reporting_change
    from {{ ref('int_unapplied_balance_events') }}
    {{ restated_snapshot_keys() }}

),

sources as (

    select distinct
        source_key,
        source_id,
        balance_kind,
        customer_id,
        company_code,
        currency_code
    from {{ ref('int_unapplied_balance_events') }}
    {{ restated_snapshot_keys() }}

),

balances as (

    {{ running_balances(
        'unapplied_events', 'source_key',
        'amount_transaction_change', 'amount_reporting_change',
        extract_date=ref('util_extract_date'),
        as_of_dates=ref('int_as_of_dates'),
    ) }}

),

computed as (

    select
        balances.source_key,
        sources.source_id,
        balances.as_of_date,
        sources.balance_kind,
        sources.customer_id,
        sources.company_code,
        sources.currency_code,
        balances.balance as unapplied_amount_transaction,
        balances.balance_reporting as unapplied_amount_reporting
    from balances
    inner join sources
        on balances.source_key = sources.source_key

),

{% if is_incremental() -%}
carried as (

    select
        stored.source_key,
        stored.source_id,
        as_of_dates.as_of_date,
        stored.balance_kind,
        stored.customer_id,
        stored.company_code,
        stored.currency_code,
        stored.unapplied_amount_transaction,
        stored.unapplied_amount_reporting
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
