-- One row about the latest load: row by row (incremental) or whole, and the
-- extract date of the build the database held before it.

with

load_state as (

    select
        is_incremental,
        previous_extract_date
    from {{ source('rpm_load', '_load_state') }}

)

select * from load_state
