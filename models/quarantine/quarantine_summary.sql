{{ config(post_hook="{{ check_quarantine_share() }}") }}
-- One row per contract table and quarantine reason: how many rows, their
-- share of the table's raw rows, and an example to look at. The post-hook
-- warns with this summary and fails the build when a table's quarantined
-- share exceeds the var quarantine_max_share.

with

quarantined as (

    select
        table_name,
        reason_code,
        record_key,
        column_name,
        raw_value,
        detail
    from {{ ref('quarantined_rows') }}

),

accounting as (

    select
        table_name,
        raw_rows,
        quarantined_rows,
        quarantined_share
    from {{ ref('extract_row_accounting') }}

),

examples as (

    select
        *,
        row_number() over (
            partition by table_name, reason_code order by record_key
        ) as example_rank,
        count(*) over (partition by table_name, reason_code) as reason_rows
    from quarantined

),

final as (

    select
        examples.table_name,
        examples.reason_code,
        examples.reason_rows as quarantined_rows,
        accounting.raw_rows as table_raw_rows,
        accounting.quarantined_share as table_quarantined_share,
        examples.record_key as example_record_key,
        examples.column_name as example_column_name,
        examples.raw_value as example_raw_value,
        examples.detail as example_detail,
        1.0 * examples.reason_rows / accounting.raw_rows as share_of_table
    from examples
    inner join accounting
        on examples.table_name = accounting.table_name
    where examples.example_rank = 1

)

select * from final
