-- One row about the latest load: row by row (incremental) or whole, the
-- extract date of the build the database held before it, and the earlier
-- runs that died before restating their load (this run restates everything).

with

load_state as (

    select
        is_incremental,
        previous_extract_date,
        unfinished_run_ids
    from {{ source('rpm_load', '_load_state') }}

)

select * from load_state
