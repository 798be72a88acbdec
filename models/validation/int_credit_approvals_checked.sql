-- Every row must belong to a staged customer (orphan_reference otherwise).
-- Document and activity references here are informational: they are tested
-- (warn) but do not quarantine the row.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['customer', 'customer_id']],
) }}
{{ check_references(
    ref('stg_erp__credit_approvals'),
    references=[{
        'column': 'customer_id', 'to': ref('stg_erp__customers'),
        'to_column': 'customer_id', 'label': 'a staged customer',
    }],
) }}
