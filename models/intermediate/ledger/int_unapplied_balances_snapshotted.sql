-- One row per credit memo or receipt with a balance not yet applied at an
-- as-of date: unapplied credits are negative, unapplied cash positive.
-- depends_on: {{ ref('int_restatement_keys') }}, {{ ref('int_restatement_scope') }}
{{ config(
    materialized='incremental',
    incremental_strategy='restate',
    restate_keys=[['receipt', 'source_id'], ['document', 'source_id']],
    restate_as_of_column='as_of_date',
) }}

with

unapplied_events as (

    select
        source_key,
        source_id,
        event_date,
        amount_transaction_change,
        amount_reporting_change
    from {{ ref('int_unapplied_balance_events') }}

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

),

balances as (

    {{ running_balances(
        'unapplied_events', 'source_key',
        'amount_transaction_change', 'amount_reporting_change'
    ) }}

),

final as (

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

)

select * from final
