{#- Load the extract folder into the raw schema, one table per contract
    table, every contract column as text, plus _raw_row_id. Columns the
    contract does not list are ignored; a contract column missing from the
    file loads as NULL (its required checks then quarantine the rows). An
    optional table without a file loads empty; a required one fails the run
    with a message naming the folder and the file expected. Runs as the
    on-run-start hook of build and run. -#}

{% macro load_raw_extract() %}
    {%- if execute and flags.WHICH in ('build', 'run')
        and var('rpm_extract_source', 'files') == 'warehouse' -%}
        {{ return(rpm.register_warehouse_extract()) }}
    {%- endif -%}
    {%- if execute and flags.WHICH in ('build', 'run') and rpm.selection_reads_raw()
        and rpm.selection_restates_everything_it_must() -%}
        {{ return(adapter.dispatch('load_raw_extract', 'rpm')()) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- A new extract is loaded only by a run that also builds every model that
    restates from it (incremental strategy 'restate'): a run of a few models
    would consume the extract's changes and leave the others behind for
    good. Such a run builds from the raw rows already loaded. -#}
{% macro selection_restates_everything_it_must() %}
    {%- set missing = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.get('incremental_strategy') == 'restate'
        and node.unique_id not in selected_resources -%}
        {%- do missing.append(node.name) -%}
    {%- endfor -%}
    {%- set loaded = adapter.get_relation(
        database=target.database, schema=rpm.schema_name('raw'), identifier='_load_state') -%}
    {%- if missing and loaded is not none -%}
        {{ log("raw extract not reloaded: this selection leaves out " ~ missing | length
            ~ " incremental models (e.g. " ~ missing[0] ~ ") that must restate its changes;"
            ~ " build the whole ledger core to load a new extract", info=true) }}
        {{ return(false) }}
    {%- endif -%}
    {{ return(true) }}
{% endmacro %}


{#- Whether any selected model or test reads an extract table (a source):
    a build of the marts alone (e.g. --select tag:kpis) keeps the raw schema
    it finds instead of reloading the extract. -#}
{% macro selection_reads_raw() %}
    {%- for unique_id in selected_resources -%}
        {%- set node = graph.nodes.get(unique_id) -%}
        {%- if node -%}
            {%- for parent in node.depends_on.nodes -%}
                {%- if parent.startswith('source.') -%}
                    {{ return(true) }}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ log("raw extract not reloaded: no selected node reads it", info=true) }}
    {{ return(false) }}
{% endmacro %}


{% macro default__load_raw_extract() %}
    {#- Warehouses (Postgres) load the raw schema with scripts/ before dbt runs. -#}
    {{ log("raw schema is loaded outside dbt on " ~ target.type, info=true) }}
    {{ return('') }}
{% endmacro %}


{% macro duckdb__load_raw_extract() %}
    {%- set raw_schema = rpm.schema_name('raw') -%}
    {#- The folder is data: the dbt-duckdb plugin (rpm.duckdb_lock) binds
        AR_EXTRACT_DIR to the DuckDB variable rpm_extract_dir, and every file
        is read through it; no path is pasted into the SQL text. -#}
    {%- set folder = env_var('AR_EXTRACT_DIR', 'data/demo_extract') -%}
    {%- if run_query("select getvariable('rpm_extract_dir') is null").columns[0].values()[0] -%}
        {{ exceptions.raise_compiler_error(
            "The DuckDB profile must load the plugin rpm.duckdb_lock (profiles.yml:"
            ~ " `plugins: [{module: rpm.duckdb_lock}]`): it hands the extract folder"
            ~ " AR_EXTRACT_DIR to the loader.") }}
    {%- endif -%}
    {%- do run_query('create schema if not exists ' ~ raw_schema) -%}
    {#- Row positions come from the file's order. -#}
    {%- do run_query('set preserve_insertion_order = true') -%}
    {#- The files loaded, for the run evidence (audit_run_evidence): an
        auditor's md5sum of a file equals file_md5. -#}
    {%- do run_query(
        'create or replace table ' ~ raw_schema ~ '._extract_files ' ~ rpm.extract_files_columns()) -%}
    {#- What changed since the previous load (incremental builds,
        docs/incremental.md): the raw rows removed and added, by key. -#}
    {%- do run_query(
        'create or replace table ' ~ raw_schema ~ '._changed_rows ' ~ rpm.changed_rows_columns()) -%}
    {%- set previous_extract_date = rpm.previous_extract_date() -%}
    {#- Crash safety (docs/incremental.md, "After a crash"): this run's mark
        goes in before any raw row changes, and only a run whose models all
        succeeded takes the marks away (mark_load_restated, on-run-end). A
        mark left by an earlier run means that run consumed the extract's
        changes without restating them: this run restates everything. -#}
    {%- do run_query(
        'create table if not exists ' ~ raw_schema
        ~ '._unrestated_loads (run_id varchar, loaded_at timestamp)') -%}
    {%- set unfinished = run_query(
        "select run_id from " ~ raw_schema ~ "._unrestated_loads where run_id <> '"
        ~ invocation_id
        ~ "' order by loaded_at").columns[0].values() | list -%}
    {%- do run_query(
        "insert into " ~ raw_schema ~ "._unrestated_loads values ('" ~ invocation_id ~ "', now())") -%}
    {%- if unfinished -%}
        {{ log("an earlier run (" ~ unfinished | join(", ") ~ ") loaded an extract and did not"
            ~ " finish restating it: this run restates everything", info=true) }}
    {%- endif -%}
    {%- set loaded_incrementally = [] -%}
    {%- for table_name in rpm.contract_tables() -%}
        {%- set found = run_query(
            "select 'csv' from glob(" ~ rpm.extract_file(table_name, 'csv') ~ ") "
            ~ "union all select 'parquet' from glob("
            ~ rpm.extract_file(table_name, 'parquet') ~ ") order by 1") -%}
        {%- set files = found.columns[0].values() -%}
        {%- do rpm.check_extract_files(folder, table_name, files) -%}
        {%- set columns = rpm.contract_columns(table_name) -%}
        {%- set file = rpm.extract_file(table_name, files[0]) if files else none -%}
        {%- set rows = rpm.extract_file_rows(file, files[0] if files else none, columns) -%}
        {%- set stored = adapter.get_relation(
            database=target.database, schema=raw_schema, identifier=table_name) -%}
        {%- set stored_columns = adapter.get_columns_in_relation(stored) | map(attribute='name')
            | map('lower') | list if stored else [] -%}
        {%- set expected_columns = columns | map(attribute='name') | list
            + ['_raw_row_id', '_row_fingerprint'] -%}
        {%- if stored_columns == expected_columns and not flags.FULL_REFRESH -%}
            {%- do rpm.load_changed_rows(table_name, columns, rows) -%}
            {%- do loaded_incrementally.append(table_name) -%}
        {%- else -%}
            {%- do run_query(
                'create or replace table ' ~ raw_schema ~ '.' ~ table_name ~ ' as ' ~ rows) -%}
        {%- endif -%}
        {%- if files -%}
            {%- do run_query(
                "insert into " ~ raw_schema ~ "._extract_files select '" ~ table_name ~ "', filename, "
                ~ "size, md5(content) from read_blob(" ~ file ~ ")") -%}
        {%- endif -%}
        {{ log(raw_schema ~ "." ~ table_name ~ " <- " ~ (table_name ~ "." ~ files[0] if files else "(absent, empty)"), info=false) }}
    {%- endfor -%}
    {%- do run_query(
        'create or replace table ' ~ raw_schema ~ '._load_state as select '
        ~ (loaded_incrementally | length == rpm.contract_tables() | length and not unfinished)
        ~ ' as is_incremental, '
        ~ (("cast('" ~ previous_extract_date ~ "' as date)") if previous_extract_date else 'cast(null as date)')
        ~ ' as previous_extract_date, '
        ~ (("'" ~ unfinished | join(',') ~ "'") if unfinished else 'cast(null as varchar)')
        ~ ' as unfinished_run_ids') -%}
    {%- do run_query('set preserve_insertion_order = false') -%}
    {#- dbt-duckdb leaves what follows a SET in an open transaction that the
        hook would roll back. -#}
    {%- do run_query('commit') -%}
    {{ return('') }}
{% endmacro %}


{#- Spark (dbt-spark session mode or a cluster that sees the same paths):
    whole loads, like Postgres, so every build restates everything. Tables
    are Parquet (no Delta needed). The row position is the Parquet row
    index, or for CSV the order Spark reads the file in (one split up to
    spark.sql.files.maxPartitionBytes, 128 MB by default). -#}
{% macro spark__load_raw_extract() %}
    {%- set raw_schema = rpm.schema_name('raw') -%}
    {#- dbt-spark binds no parameters: paths go into the SQL text escaped
        (spark_quoted_path). -#}
    {%- set folder = env_var('AR_EXTRACT_DIR', 'data/demo_extract').rstrip('/') -%}
    {%- do run_query('create schema if not exists ' ~ raw_schema) -%}
    {#- The folder's files (binaryFile lists them without reading them). -#}
    {%- set listed = run_query(
        "select regexp_replace(path, '^file:', '') from binaryFile." ~ rpm.spark_quoted_path(folder, '`')) -%}
    {%- set folder_files = listed.columns[0].values() | list -%}
    {%- do run_query('drop table if exists ' ~ raw_schema ~ '._extract_files') -%}
    {%- do run_query(
        'create table ' ~ raw_schema ~ '._extract_files ' ~ rpm.extract_files_columns()
        ~ ' using parquet') -%}
    {%- for table_name in rpm.contract_tables() -%}
        {%- set files = [] -%}
        {%- for extension in ['csv', 'parquet'] -%}
            {%- for path in folder_files if path.endswith('/' ~ table_name ~ '.' ~ extension) -%}
                {%- do files.append(path) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- do rpm.check_extract_files(folder, table_name, files) -%}
        {%- set columns = rpm.contract_columns(table_name) -%}
        {%- set select_list = [] -%}
        {%- if files -%}
            {%- set file = files[0] -%}
            {%- if file.endswith('.csv') -%}
                {%- do run_query(
                    "create or replace temporary view _extract_file using csv options (path "
                    ~ rpm.spark_quoted_path(file, "'") ~ ", header 'true', inferSchema 'false', quote '\"', escape '\"', "
                    ~ "multiLine 'true', mode 'PERMISSIVE')") -%}
                {%- set source = '_extract_file' -%}
                {%- set position = 'row_number() over (order by monotonically_increasing_id())' -%}
            {%- else -%}
                {#- Read by path: a view would hide the _metadata column. -#}
                {%- set source = 'parquet.' ~ rpm.spark_quoted_path(file, '`') -%}
                {%- set position = '_metadata.row_index + 1' -%}
            {%- endif -%}
            {%- set described = run_query('describe query select * from ' ~ source) -%}
            {%- set actual_names = described.columns[0].values() | list -%}
            {%- set actual_types = described.columns[1].values() | list -%}
            {%- set present = actual_names | map('lower') | list -%}
            {%- for column in columns -%}
                {%- if column.name in present -%}
                    {%- set position_in_file = present.index(column.name) -%}
                    {%- set cell = '`' ~ actual_names[position_in_file] ~ '`' -%}
                    {%- if actual_types[position_in_file] in ('double', 'float') -%}
                        {#- A typed Parquet number as plain decimal text (Spark
                            would write 2.0448E7), trailing zeros dropped:
                            20448000.0, as DuckDB's loader writes it (printf
                            would write NULL as 'null'). -#}
                        {%- set cell = "case when " ~ cell ~ " is not null then "
                            ~ "regexp_replace(regexp_replace(printf('%.10f', " ~ cell
                            ~ "), '0+$', ''), '[.]$', '.0') end" -%}
                    {%- endif -%}
                    {%- do select_list.append('cast(' ~ cell ~ ' as string) as ' ~ column.name) -%}
                {%- else -%}
                    {%- do select_list.append('cast(null as string) as ' ~ column.name) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- set rows = 'select ' ~ select_list | join(', ') ~ ', cast(' ~ position
                ~ ' as bigint) as _raw_row_id from ' ~ source -%}
        {%- else -%}
            {%- for column in columns -%}
                {%- do select_list.append('cast(null as string) as ' ~ column.name) -%}
            {%- endfor -%}
            {%- set rows = 'select ' ~ select_list | join(', ')
                ~ ', cast(null as bigint) as _raw_row_id where false' -%}
        {%- endif -%}
        {%- do run_query('drop table if exists ' ~ raw_schema ~ '.' ~ table_name) -%}
        {%- do run_query('create table ' ~ raw_schema ~ '.' ~ table_name ~ ' using parquet as ' ~ rows) -%}
        {%- if files -%}
            {%- do run_query(
                "insert into " ~ raw_schema ~ "._extract_files select '" ~ table_name ~ "', "
                ~ rpm.spark_quoted_path(files[0], "'") ~ ", length, md5(content) from binaryFile."
                ~ rpm.spark_quoted_path(files[0], '`')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query('drop table if exists ' ~ raw_schema ~ '._changed_rows') -%}
    {%- do run_query(
        'create table ' ~ raw_schema ~ '._changed_rows ' ~ rpm.changed_rows_columns() ~ ' using parquet') -%}
    {%- do run_query('drop table if exists ' ~ raw_schema ~ '._load_state') -%}
    {%- do run_query(
        'create table ' ~ raw_schema ~ '._load_state using parquet as ' ~ rpm.whole_load_state()) -%}
    {{ return('') }}
{% endmacro %}


{#- The loader's bookkeeping tables (sources rpm_load), written once for
    every loader: the files read, the raw rows a load changed, and (for a
    whole load, which restates everything) the load state. -#}
{% macro extract_files_columns() %}
    {%- set text = dbt.type_string() -%}
    {{ return('(table_name ' ~ text ~ ', file_path ' ~ text ~ ', file_bytes bigint, file_md5 '
        ~ text ~ ')') }}
{% endmacro %}

{% macro changed_rows_columns() %}
    {%- set text = dbt.type_string() -%}
    {{ return('(table_name ' ~ text ~ ', change ' ~ text ~ ', _raw_row_id bigint, record_key '
        ~ text ~ ', customer_id ' ~ text ~ ', document_id ' ~ text ~ ', source_id ' ~ text
        ~ ', row_date ' ~ text ~ ')') }}
{% endmacro %}

{% macro whole_load_state() %}
    {{ return('select false as is_incremental, cast(null as date) as previous_extract_date, '
        ~ 'cast(null as ' ~ dbt.type_string() ~ ') as unfinished_run_ids') }}
{% endmacro %}


{#- A path in Spark SQL text, quoted with ' (a string literal: backslashes
    and quotes escaped) or ` (a path identifier: backticks doubled). -#}
{% macro spark_quoted_path(path, quote) %}
    {%- if quote == '`' -%}
        {{ return('`' ~ path | replace('`', '``') ~ '`') }}
    {%- endif -%}
    {{ return("'" ~ path | replace('\\', '\\\\') | replace("'", "\\'") ~ "'") }}
{% endmacro %}


{#- The SQL expression of one extract file's path: the folder (DuckDB
    variable rpm_extract_dir, set by the plugin) and the contract's file
    name. -#}
{% macro extract_file(table_name, extension) %}
    {{ return("(getvariable('rpm_extract_dir') || '/" ~ table_name ~ "." ~ extension ~ "')") }}
{% endmacro %}


{#- The rows of one extract file (file: the SQL expression of its path,
    extension csv or parquet) as the raw table holds them: every contract
    column as text, _raw_row_id (1-based position in the file) and
    _row_fingerprint (a hash of the row's cells and position). An absent
    file is a table without rows. -#}
{% macro extract_file_rows(file, extension, columns) %}
    {%- set select_list = [] -%}
    {%- if file is none -%}
        {%- for column in columns -%}
            {%- do select_list.append('cast(null as varchar) as ' ~ column.name) -%}
        {%- endfor -%}
        {%- set typed = 'select ' ~ select_list | join(', ')
            ~ ', cast(null as bigint) as _raw_row_id where false' -%}
    {%- else -%}
        {%- if extension == 'csv' -%}
            {%- set reader = "read_csv(" ~ file ~ ", header = true, all_varchar = true, "
                ~ "delim = ',', quote = '\"', escape = '\"')" -%}
            {%- set position = 'row_number() over ()' -%}
        {%- else -%}
            {%- set reader = "read_parquet(" ~ file ~ ", file_row_number = true)" -%}
            {%- set position = 'file_row_number + 1' -%}
        {%- endif -%}
        {%- set described = run_query("describe select * from " ~ reader) -%}
        {%- set actual_names = described.columns[0].values() | list -%}
        {%- set present = actual_names | map('lower') | list -%}
        {%- for column in columns -%}
            {%- if column.name in present -%}
                {%- do select_list.append('cast("' ~ actual_names[present.index(column.name)]
                    ~ '" as varchar) as ' ~ column.name) -%}
            {%- else -%}
                {%- do select_list.append('cast(null as varchar) as ' ~ column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set typed = 'select ' ~ select_list | join(', ') ~ ', ' ~ position
            ~ ' as _raw_row_id from ' ~ reader -%}
    {%- endif -%}
    {{ return('select *, hash(' ~ columns | map(attribute='name') | join(', ')
        ~ ', _raw_row_id) as _row_fingerprint from (' ~ typed ~ ')') }}
{% endmacro %}


{#- Brings raw.<table> up to date with the file by removing the rows no
    longer in it and adding the new ones (a row is the same when its
    position and cells are), and records both in raw._changed_rows with
    their cleaned key, customer, document, source and date. -#}
{% macro load_changed_rows(table_name, columns, rows) %}
    {%- set raw_schema = rpm.schema_name('raw') -%}
    {%- set stored = raw_schema ~ '.' ~ table_name -%}
    {%- set names = columns | map(attribute='name') | list -%}
    {%- set table_meta = rpm.contract_meta(rpm.contract_table(table_name)) -%}
    {%- do run_query(
        'create or replace temp table _incoming as select _raw_row_id, _row_fingerprint from ('
        ~ rows ~ ')') -%}
    {%- do run_query(
        'create or replace temp table _removed as select stored.* from ' ~ stored
        ~ ' as stored anti join _incoming on stored._raw_row_id = _incoming._raw_row_id'
        ~ ' and stored._row_fingerprint = _incoming._row_fingerprint') -%}
    {%- do run_query(
        'create or replace temp table _added_ids as select _incoming._raw_row_id from _incoming'
        ~ ' anti join ' ~ stored ~ ' as stored on stored._raw_row_id = _incoming._raw_row_id'
        ~ ' and stored._row_fingerprint = _incoming._row_fingerprint') -%}
    {%- do run_query(
        'delete from ' ~ stored ~ ' using _removed where ' ~ stored
        ~ '._raw_row_id = _removed._raw_row_id and ' ~ stored
        ~ '._row_fingerprint = _removed._row_fingerprint') -%}
    {%- do run_query(
        'create or replace temp table _added as select * from (' ~ rows ~ ') where _raw_row_id in '
        ~ '(select _raw_row_id from _added_ids)') -%}
    {%- do run_query('insert into ' ~ stored ~ ' select * from _added') -%}
    {%- set optional = {} -%}
    {%- for name in ['customer_id', 'document_id', 'source_id'] -%}
        {%- do optional.update({name: rpm.clean_text(columns[names.index(name)])
            if name in names else 'cast(null as varchar)'}) -%}
    {%- endfor -%}
    {%- set date_column = table_meta.get('date_column') -%}
    {%- set row_date = rpm.clean_text(columns[names.index(date_column)])
        if date_column else 'cast(null as varchar)' -%}
    {%- for change, relation in [('removed', '_removed'), ('added', '_added')] -%}
        {%- do run_query(
            "insert into " ~ raw_schema ~ "._changed_rows select '" ~ table_name ~ "', '"
            ~ change ~ "', _raw_row_id, "
            ~ rpm.raw_record_key(table_name) ~ ', ' ~ optional.customer_id ~ ', ' ~ optional.document_id
            ~ ', ' ~ optional.source_id ~ ', ' ~ row_date ~ ' from ' ~ relation) -%}
    {%- endfor -%}
{% endmacro %}


{#- The extract date of the build this database holds (before this run),
    or none. None too when that build's extract date was set by the var:
    rows of its extract dated after it were loaded but never staged as
    known, and no changed raw row will name them, so the next run restates
    everything. -#}
{% macro previous_extract_date() %}
    {%- set node = graph.nodes.values() | selectattr('name', 'equalto', 'util_extract_date')
        | first -%}
    {%- set relation = adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if relation is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query(
        'select cast(extract_date as varchar) from ' ~ relation
        ~ " where extract_date_source <> 'var extract_date'") -%}
    {{ return(found.columns[0].values()[0] if found.rows | length else none) }}
{% endmacro %}


{#- The files found for one extract table: one at most, and one at least
    when the contract requires the table. Fails the run naming the folder
    and the file expected. -#}
{% macro check_extract_files(folder, table_name, files) %}
    {%- if files | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "Extract folder " ~ folder ~ " holds both " ~ table_name ~ ".csv and "
            ~ table_name ~ ".parquet: keep one.") }}
    {%- endif -%}
    {%- if files | length == 0
        and rpm.contract_meta(rpm.contract_table(table_name)).get('required_table') -%}
        {{ exceptions.raise_compiler_error(
            "Required extract table '" ~ table_name ~ "' is missing: expected "
            ~ folder ~ "/" ~ table_name ~ ".csv or .parquet (AR_EXTRACT_DIR).") }}
    {%- endif -%}
{% endmacro %}
