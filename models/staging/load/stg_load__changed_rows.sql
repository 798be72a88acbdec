-- The raw rows the latest load removed or added (docs/incremental.md).

with

changed_rows as (

    select
        table_name,
        change,
        _raw_row_id,
        record_key,
        customer_id,
        document_id,
        source_id,
        row_date
    from {{ source('rpm_load', '_changed_rows') }}

)

select * from changed_rows
