{#- The extract is loaded before dbt runs, by receivables-load
    (python/src/receivables_rpm/loader.py). This on-run-start hook of build and run:
    - package mode (var rpm_extract_source 'warehouse'): copies the ERP
      tables into the raw schema (register_warehouse_extract);
    - otherwise stops the run when the raw schema holds no load, and on
      DuckDB (row-by-row loads) claims the loads not yet restated for this
      run (docs/incremental.md, "After a crash"). -#}
{% macro begin_restatement() %}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {%- if var('rpm_extract_source', 'files') == 'warehouse' -%}
        {{ return(rpm.register_warehouse_extract()) }}
    {%- endif -%}
    {%- set raw_schema = rpm.schema_name('raw') -%}
    {%- if adapter.get_relation(
        database=target.database, schema=raw_schema, identifier='_load_state') is none -%}
        {{ exceptions.raise_compiler_error(
            "The raw schema " ~ raw_schema ~ " holds no loaded extract: run `receivables-load"
            ~ ("" if target.name == 'duckdb' else " --target " ~ target.name)
            ~ "` (AR_EXTRACT_DIR) before dbt, or `make run`.") }}
    {%- endif -%}
    {%- if target.type != 'duckdb' or not rpm.selects_every_restating_model()
        or rpm.builds_part_of_the_rows() -%}
        {{ return('') }}
    {%- endif -%}
    {#- A mark already attempted is a build that died or failed restating
        its load: this run restates everything, and says which run it
        recovers from. Then every mark is this run's: mark_load_restated
        takes them away once every model built. -#}
    {%- set marks = raw_schema ~ '._unrestated_loads' -%}
    {#- A database built before 1.5 has marks without attempted_by. -#}
    {%- do run_query('alter table ' ~ marks ~ ' add column if not exists attempted_by varchar') -%}
    {%- set died = run_query("select string_agg(distinct attempted_by, ', ') from " ~ marks
        ~ " where attempted_by is not null").columns[0].values()[0] -%}
    {%- if died -%}
        {{ log("an earlier run (" ~ died ~ ") did not finish restating the loaded extract:"
            ~ " this run restates everything", info=true) }}
    {%- endif -%}
    {#- The hook runs in a transaction: commit it. -#}
    {{ return(""
        ~ "update " ~ raw_schema ~ "._load_state set is_incremental = false, "
        ~ "unfinished_run_ids = concat_ws(',', unfinished_run_ids, (select string_agg("
        ~ "distinct attempted_by, ',' order by attempted_by) from " ~ marks ~ ")) "
        ~ "where exists (select 1 from " ~ marks ~ " where attempted_by is not null); "
        ~ "update " ~ marks ~ " set attempted_by = '" ~ invocation_id ~ "'; commit;") }}
{% endmacro %}


{#- Whether this run builds every model that restates from the load
    (incremental strategy 'restate') and every model they read, directly
    or not: a restating model built on a stale input (say, the restated
    keys of the previous load) would restate the wrong rows. A run of a
    few of them does not claim the load: a full build restates it later. -#}
{% macro selects_every_restating_model() %}
    {%- set queue = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.get('incremental_strategy') == 'restate' -%}
        {%- do queue.append(node.unique_id) -%}
    {%- endfor -%}
    {%- set seen = {} -%}
    {#- Breadth first over the models upstream (the queue grows as it is read). -#}
    {%- for unique_id in queue if unique_id not in seen -%}
        {%- do seen.update({unique_id: true}) -%}
        {%- if unique_id not in selected_resources -%}
            {{ return(false) }}
        {%- endif -%}
        {%- for parent in graph.nodes[unique_id].depends_on.nodes
            if parent.startswith('model.') and parent not in seen -%}
            {%- do queue.append(parent) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(true) }}
{% endmacro %}
