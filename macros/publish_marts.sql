{#- Crash safety and write-audit-publish (docs/incremental.md, "After a
    crash" and "Publication"). Both run as on-run-end hooks.

    dbt builds the public marts in schema marts_build, out of the readers'
    sight, and tests them there. A `dbt build` publishes them: it copies
    every public mart into schema marts, in one transaction, with a row in
    audit.published_runs, when
      - it selected every public mart (a partial build would mix two builds),
      - every node it ran passed (an error-severity test failure, a model
        error or a skipped node publishes nothing; warnings do not block),
      - no loaded extract is left unrestated (raw._unrestated_loads).
    Otherwise readers keep the previous complete build, and the log says
    what was not published and why. -#}


{#- The models of models/marts: what readers may read. -#}
{% macro public_marts() %}
    {%- set marts = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.fqn[1] == 'marts' and node.config.enabled -%}
        {%- do marts.append(node) -%}
    {%- endfor -%}
    {{ return(marts | sort(attribute='name')) }}
{% endmacro %}


{#- The nodes of this run that did not pass (error, fail, skipped). -#}
{% macro failed_results() %}
    {%- set failed = [] -%}
    {%- for result in results if result.status in ('error', 'fail', 'skipped') -%}
        {%- do failed.append(result) -%}
    {%- endfor -%}
    {{ return(failed) }}
{% endmacro %}


{#- A run that claimed the loads not yet restated (begin_restatement marks
    them attempted by it in raw._unrestated_loads) and whose models all ran
    takes every mark away: the extract's changes are restated. Failed data tests do not keep the marks (the models hold the
    new extract either way); a failed or skipped model does, and so does a
    run killed before this hook: the next run then restates everything. -#}
{% macro mark_load_restated() %}
    {%- if not execute or flags.WHICH not in ('build', 'run') or target.type != 'duckdb' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set loaded = invocation_id in rpm.unrestated_loads() -%}
    {%- set unbuilt = [] -%}
    {%- for result in rpm.failed_results() if result.node.resource_type != 'test'
        and result.node.resource_type != 'unit_test' -%}
        {%- do unbuilt.append(result.node.name) -%}
    {%- endfor -%}
    {%- if loaded and not unbuilt -%}
        {#- Returned, not run here: the hook's statements commit. -#}
        {{ return('begin transaction; delete from ' ~ rpm.schema_name('raw')
            ~ '._unrestated_loads; commit;') }}
    {%- elif loaded -%}
        {{ log("the extract's changes are not fully restated (" ~ unbuilt | length
            ~ " models did not build, e.g. " ~ unbuilt[0]
            ~ "): the next run restates everything", info=true) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- The loads not restated yet (raw._unrestated_loads, DuckDB; the table is
    made by receivables-load, so dbt's relation cache does not know it), each as the
    run that claimed it ('' when none has). -#}
{% macro unrestated_loads() %}
    {%- if target.type != 'duckdb' -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set raw_schema = rpm.schema_name('raw') -%}
    {%- set exists = run_query(
        "select count(*) from information_schema.tables "
        ~ "where table_schema = '" ~ raw_schema ~ "' and table_name = '_unrestated_loads'"
    ).columns[0].values()[0] > 0 -%}
    {%- if not exists -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set marks = run_query(
        "select coalesce(attempted_by, '') from " ~ raw_schema ~ '._unrestated_loads') -%}
    {{ return(marks.columns[0].values() | list) }}
{% endmacro %}


{% macro publish_marts() %}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set marts = rpm.public_marts() -%}
    {%- set reasons = [] -%}
    {%- if flags.WHICH != 'build' -%}
        {%- do reasons.append('dbt run does not test the marts (use dbt build)') -%}
    {%- endif -%}
    {%- if rpm.builds_part_of_the_rows() -%}
        {%- do reasons.append('an --empty or --sample build holds part of the rows') -%}
    {%- endif -%}
    {%- set left_out = [] -%}
    {%- for node in marts if node.unique_id not in selected_resources -%}
        {%- do left_out.append(node.name) -%}
    {%- endfor -%}
    {%- if left_out -%}
        {%- do reasons.append('the selection leaves out ' ~ left_out | length
            ~ ' public marts (e.g. ' ~ left_out[0] ~ ')') -%}
    {%- endif -%}
    {%- set failed = rpm.failed_results() -%}
    {%- if failed -%}
        {%- do reasons.append(failed | length ~ ' nodes did not pass (e.g. '
            ~ failed[0].node.name ~ ': ' ~ failed[0].status ~ ')') -%}
    {%- endif -%}
    {%- if rpm.unrestated_loads() -%}
        {%- do reasons.append('a loaded extract is not fully restated') -%}
    {%- endif -%}
    {%- if reasons -%}
        {{ log("marts not published: " ~ reasons | join('; ')
            ~ ". Readers keep the previous build (" ~ rpm.schema_name('audit')
            ~ ".published_runs).", info=true) }}
        {{ return('') }}
    {%- endif -%}
    {{ log("publishing " ~ marts | length ~ " marts (run " ~ invocation_id ~ ")", info=true) }}
    {{ return(adapter.dispatch('publish_marts', 'rpm')(marts)) }}
{% endmacro %}


{#- One transaction: readers see the previous marts or these, never a mix
    (DuckDB: a reader is another process, which the file lock keeps out
    during a build anyway). -#}
{% macro default__publish_marts(marts) %}
    {%- set marts_schema = rpm.schema_name('marts') -%}
    begin;
    create schema if not exists {{ marts_schema }};
    {%- for name in rpm.stale_published_tables(marts) %}
    drop table {{ marts_schema }}.{{ name }};
    {%- endfor %}
    {%- for node in marts %}
    drop table if exists {{ marts_schema }}.{{ node.name }};
    create table {{ marts_schema }}.{{ node.name }} as select * from {{ node.relation_name }};
    {%- endfor %}
    {%- for statement in rpm.published_comments(marts) %}
    {{ statement }};
    {%- endfor %}
    {%- for statement in rpm.published_run_statements(marts) %}
    {{ statement }};
    {%- endfor %}
    commit;
{% endmacro %}


{#- Postgres: readers are never blocked and never see a mix. A published
    mart whose columns are unchanged is emptied and refilled (DELETE and
    INSERT are MVCC: a query sees the old rows or the new ones, and waits
    for no lock); a new or changed mart is created (dropping a table would
    make a query waiting on it fail). -#}
{% macro postgres__publish_marts(marts) %}
    {%- set readers = [env_var('RPM_PG_BI_ROLE', 'rpm_bi_reader'),
        env_var('RPM_PG_AUDITOR_ROLE', 'rpm_auditor')] -%}
    {%- set marts_schema = rpm.schema_name('marts') -%}
    {%- set marts_build_schema = rpm.schema_name('marts_build') -%}
    {%- set columns = {} -%}
    {%- for row in run_query(
        "select table_schema, table_name, string_agg(column_name || ' ' || data_type, ', ' "
        ~ "order by ordinal_position) from information_schema.columns "
        ~ "where table_schema in ('" ~ marts_schema ~ "', '" ~ marts_build_schema
        ~ "') group by 1, 2").rows -%}
        {%- do columns.update({row[0] ~ '.' ~ row[1]: row[2]}) -%}
    {%- endfor -%}
    begin;
    create schema if not exists {{ marts_schema }};
    {%- for name in rpm.stale_published_tables(marts) %}
    drop table {{ marts_schema }}.{{ name }};
    {%- endfor %}
    {%- for node in marts %}
    {%- if columns.get(marts_schema ~ '.' ~ node.name)
        == columns.get(marts_build_schema ~ '.' ~ node.name) %}
    delete from {{ marts_schema }}.{{ node.name }};
    insert into {{ marts_schema }}.{{ node.name }} select * from {{ node.relation_name }};
    {%- else %}
    drop table if exists {{ marts_schema }}.{{ node.name }};
    create table {{ marts_schema }}.{{ node.name }} as select * from {{ node.relation_name }};
    {%- endif %}
    {%- endfor %}
    {%- for statement in rpm.published_comments(marts) %}
    {{ statement }};
    {%- endfor %}
    grant select on all tables in schema {{ marts_schema }} to {{ readers | join(', ') }};
    {%- for statement in rpm.published_run_statements(marts) %}
    {{ statement }};
    {%- endfor %}
    grant select on {{ rpm.schema_name('audit') }}.published_runs to {{ readers[1] }};
    commit;
{% endmacro %}


{#- Spark has no multi-table transaction: each mart is replaced in turn, so
    a reader during publication may see some marts of each build (a failed
    build still publishes nothing; docs/spark.md). -#}
{% macro spark__publish_marts(marts) %}
    {%- set marts_schema = rpm.schema_name('marts') -%}
    {%- do run_query('create schema if not exists ' ~ marts_schema) -%}
    {%- for name in rpm.stale_published_tables(marts) -%}
        {%- do run_query('drop table ' ~ marts_schema ~ '.' ~ name) -%}
    {%- endfor -%}
    {%- for node in marts -%}
        {%- do run_query('drop table if exists ' ~ marts_schema ~ '.' ~ node.name) -%}
        {%- do run_query('create table ' ~ marts_schema ~ '.' ~ node.name
            ~ ' using parquet as select * from ' ~ node.relation_name) -%}
    {%- endfor -%}
    {%- for statement in rpm.published_run_statements(marts) -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{#- The descriptions of the marts and their columns as comments on the
    published tables, so that BI tools show them (persist_docs does the
    same for the tables dbt builds on Postgres; publication copies rows,
    not comments). -#}
{% macro published_comments(marts) %}
    {%- set marts_schema = rpm.schema_name('marts') -%}
    {%- set statements = [] -%}
    {%- for node in marts -%}
        {%- do statements.append('comment on table ' ~ marts_schema ~ '.' ~ node.name ~ ' is '
            ~ rpm.sql_text_literal(node.description)) -%}
        {%- for column in node.columns.values() if column.description -%}
            {%- do statements.append('comment on column ' ~ marts_schema ~ '.' ~ node.name ~ '.'
                ~ column.name ~ ' is ' ~ rpm.sql_text_literal(column.description)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(statements) }}
{% endmacro %}


{#- A text as a standard SQL string literal (quotes doubled). -#}
{% macro sql_text_literal(text) %}
    {{ return("'" ~ (text | trim | replace("'", "''")) ~ "'") }}
{% endmacro %}


{#- Tables in schema marts that are no public mart any more (a mart removed
    or renamed since they were published). -#}
{% macro stale_published_tables(marts) %}
    {%- set names = marts | map(attribute='name') | list -%}
    {%- set marts_schema = rpm.schema_name('marts') -%}
    {%- if target.type == 'spark' -%}
        {#- SHOW TABLES also lists the session's temporary views. -#}
        {%- set published = [] -%}
        {%- for row in run_query('show tables in ' ~ marts_schema).rows if not row[2] -%}
            {%- do published.append(row[1]) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set published = run_query(
            "select table_name from information_schema.tables where table_schema = '"
            ~ marts_schema ~ "'"
        ).columns[0].values() -%}
    {%- endif -%}
    {{ return(published | reject('in', names) | list) }}
{% endmacro %}


{#- audit.published_runs: one row per publication, append-only, from the
    one-row mart rpt_build_info. -#}
{% macro published_run_statements(marts) %}
    {%- set text = dbt.type_string() -%}
    {%- set audit_schema = rpm.schema_name('audit') -%}
    {%- set build_info = graph.nodes.values() | selectattr('name', 'equalto', 'rpt_build_info')
        | first -%}
    {{ return([
        'create schema if not exists ' ~ audit_schema,
        'create table if not exists ' ~ audit_schema ~ '.published_runs (run_id ' ~ text
            ~ ', extract_date date, extract_file_md5s ' ~ text
            ~ ', published_mart_count integer, published_at timestamp)'
            ~ (' using parquet' if target.type == 'spark' else ''),
        'insert into ' ~ audit_schema ~ '.published_runs select run_id, extract_date, '
            ~ 'extract_file_md5s, ' ~ marts | length ~ ', ' ~ dbt.current_timestamp() ~ ' from '
            ~ build_info.relation_name,
    ]) }}
{% endmacro %}


{#- A mart that selects a core model as is (docs/architecture.md): a view,
    since publication copies it to a table anyway; on Postgres a table,
    because rebuilding the core table there drops the views over it
    (DROP ... CASCADE), and a partial build would leave the mart missing. -#}
{% macro thin_mart_materialization() %}
    {{ return('table' if target.type == 'postgres' else 'view') }}
{% endmacro %}


{#- Whether this run builds from part of the rows (dbt build --empty or
    --sample): it neither claims a load nor publishes. -#}
{% macro builds_part_of_the_rows() %}
    {{ return(flags.EMPTY or (flags.SAMPLE is not none and flags.SAMPLE)) }}
{% endmacro %}
