{#- Load the extract folder into the raw schema, one table per contract
    table, every contract column as text, plus _raw_row_id. Columns the
    contract does not list are ignored; a contract column missing from the
    file loads as NULL (its required checks then quarantine the rows). An
    optional table without a file loads empty; a required one fails the run
    with a message naming the folder and the file expected. Runs as the
    on-run-start hook of build and run. -#}

{% macro load_raw_extract() %}
    {%- if execute and flags.WHICH in ('build', 'run') and rpm.selection_reads_raw() -%}
        {{ return(adapter.dispatch('load_raw_extract', 'rpm')()) }}
    {%- endif -%}
    {{ return('') }}
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
    {%- set folder = env_var('AR_EXTRACT_DIR', 'data/demo_extract') | replace("'", "''") -%}
    {%- do run_query('create schema if not exists raw') -%}
    {#- The files loaded, for the run evidence (audit_run_evidence): an
        auditor's md5sum of a file equals file_md5. -#}
    {%- do run_query(
        'create or replace table raw._extract_files (table_name varchar, '
        ~ 'file_path varchar, file_bytes bigint, file_md5 varchar)') -%}
    {%- for table_name in rpm.contract_tables() -%}
        {%- set table_meta = rpm.contract_meta(rpm.contract_table(table_name)) -%}
        {%- set found = run_query(
            "select file from glob('" ~ folder ~ "/" ~ table_name ~ ".csv') "
            ~ "union all select file from glob('" ~ folder ~ "/" ~ table_name ~ ".parquet') "
            ~ "order by file") -%}
        {%- set files = found.columns[0].values() -%}
        {%- if files | length > 1 -%}
            {{ exceptions.raise_compiler_error(
                "Extract folder " ~ folder ~ " holds both " ~ table_name ~ ".csv and "
                ~ table_name ~ ".parquet: keep one.") }}
        {%- endif -%}
        {%- set columns = rpm.contract_columns(table_name) -%}
        {%- if files | length == 0 -%}
            {%- if table_meta.get('required_table') -%}
                {{ exceptions.raise_compiler_error(
                    "Required extract table '" ~ table_name ~ "' is missing: expected "
                    ~ folder ~ "/" ~ table_name ~ ".csv or .parquet (AR_EXTRACT_DIR).") }}
            {%- endif -%}
            {%- set reader = none -%}
        {%- elif files[0].endswith('.csv') -%}
            {%- set reader = "read_csv('" ~ files[0] ~ "', header = true, all_varchar = true, "
                ~ "delim = ',', quote = '\"', escape = '\"')" -%}
        {%- else -%}
            {%- set reader = "read_parquet('" ~ files[0] ~ "')" -%}
        {%- endif -%}
        {%- if reader is none -%}
            {%- set present = [] -%}
        {%- else -%}
            {%- set described = run_query("describe select * from " ~ reader) -%}
            {%- set present = described.columns[0].values() | map('lower') | list -%}
            {%- set actual_names = described.columns[0].values() | list -%}
        {%- endif -%}
        {%- set select_list = [] -%}
        {%- for column in columns -%}
            {%- if column.name in present -%}
                {%- set actual = actual_names[present.index(column.name)] -%}
                {%- do select_list.append(
                    'cast("' ~ actual ~ '" as varchar) as ' ~ column.name) -%}
            {%- else -%}
                {%- do select_list.append('cast(null as varchar) as ' ~ column.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set body -%}
            create or replace table raw.{{ table_name }} as
            select
                {{ select_list | join(',\n                ') }},
                row_number() over () as _raw_row_id
            {% if reader is none -%}
            where false
            {%- else -%}
            from {{ reader }}
            {%- endif %}
        {%- endset -%}
        {%- do run_query(body) -%}
        {%- if files -%}
            {%- do run_query(
                "insert into raw._extract_files select '" ~ table_name ~ "', filename, "
                ~ "size, md5(content) from read_blob('" ~ files[0] ~ "')") -%}
        {%- endif -%}
        {{ log("raw." ~ table_name ~ " <- " ~ (files[0] if files else "(absent, empty)"), info=false) }}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}
