-- The extract files of the latest raw load, one row per contract table
-- that had a file (absent optional tables have none).

with

files as (

    select
        table_name,
        file_path,
        file_bytes,
        file_md5
    from {{ source('rpm_load', '_extract_files') }}

)

select * from files
