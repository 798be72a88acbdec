{#- One build at a time on a Postgres database: a second build refuses at
    once, naming the backend of the build at work; readers are not blocked
    (they read the published marts). DuckDB needs no check here: its file
    lock stops a second process, and the dbt-duckdb plugin rpm.duckdb_lock
    says so in one line. Runs as the first on-run-start hook. -#}
{% macro acquire_build_lock() %}
    {{ return(adapter.dispatch('acquire_build_lock', 'rpm')()) }}
{% endmacro %}

{% macro default__acquire_build_lock() %}
    {{ return('') }}
{% endmacro %}

{#- Postgres: dbt closes the connection of its hooks once they ran (a
    session lock would be gone with it), and every connection of a dbt
    process is named 'dbt'. At the start of a run this process has only the
    hooks' connection, so another 'dbt' connection to the database is
    another dbt command at work: the run refuses, naming it. The check looks
    three times over 0.6 s (a build between two models may hold no
    connection for an instant). rpm-load-postgres takes an advisory lock for
    the time of its load, which the check also sees. -#}
{% macro postgres__acquire_build_lock() %}
    {%- if not execute or flags.WHICH not in ('build', 'run', 'seed', 'snapshot') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set others -%}
        select activity.pid, activity.application_name,
            cast(activity.backend_start as varchar(19))
        from pg_stat_activity as activity
        where
            activity.datname = current_database()
            and activity.pid <> pg_backend_pid()
            and (
                activity.application_name = 'dbt'
                or exists (
                    select 1 from pg_locks as locks
                    where locks.pid = activity.pid and locks.locktype = 'advisory'
                        and locks.objid = 7301 and locks.granted
                )
            )
    {%- endset -%}
    {%- for attempt in range(3) -%}
        {%- set found = run_query(others) -%}
        {%- if found.rows -%}
            {{ exceptions.raise_compiler_error(
                "rpm: the database " ~ target.dbname ~ " is in use by another build, backend PID "
                ~ found.rows[0][0] ~ " (" ~ found.rows[0][1] ~ ", connected since "
                ~ found.rows[0][2] ~ "); wait for that build to end (or stop it), then run again") }}
        {%- endif -%}
        {%- do run_query('select pg_sleep(0.2)') -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}
