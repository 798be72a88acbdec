{#- The project as a dbt package (docs/package.md): the ERP tables are
    already in the warehouse (var rpm_extract_source: warehouse), in the
    database and schema the vars rpm_erp_database (default: the target's)
    and rpm_erp_schema name; rpm_erp_tables maps a contract table to another
    table name where they differ. Instead of the file loader, this hook
    copies each table into the raw schema as the loader would have written
    it: every contract column as text (a missing optional column as NULL),
    plus _raw_row_id, the row's position in the table ordered by its cells.
    Every load is whole, so every build restates everything (as on
    Postgres). A missing required table fails the run naming it. -#}

{% macro register_warehouse_extract() %}
    {%- set raw_schema = rpm.schema_name('raw') -%}
    {%- if target.type == 'spark' -%}
        {{ exceptions.raise_compiler_error(
            "rpm_extract_source 'warehouse' is not supported on Spark yet (docs/package.md):"
            ~ " load the extract folder instead (AR_EXTRACT_DIR).") }}
    {%- endif -%}
    {%- set database = var('rpm_erp_database', none) or target.database -%}
    {%- set schema = var('rpm_erp_schema', none) -%}
    {%- if not schema -%}
        {{ exceptions.raise_compiler_error(
            "rpm_extract_source is 'warehouse' but the var rpm_erp_schema (the schema"
            ~ " holding the ERP tables) is not set.") }}
    {%- endif -%}
    {%- set names = var('rpm_erp_tables', {}) -%}
    {%- set text = dbt.type_string() -%}
    {%- do adapter.create_schema(api.Relation.create(database=target.database, schema=raw_schema)) -%}
    {%- set statements = [] -%}
    {%- for table_name in rpm.contract_tables() -%}
        {%- set columns = rpm.contract_columns(table_name) | map(attribute='name') | list -%}
        {%- set source = adapter.get_relation(
            database=database, schema=schema, identifier=names.get(table_name, table_name)) -%}
        {%- if source is none
            and rpm.contract_meta(rpm.contract_table(table_name)).get('required_table') -%}
            {{ exceptions.raise_compiler_error(
                "Required ERP table '" ~ table_name ~ "' is missing: expected "
                ~ database ~ "." ~ schema ~ "." ~ names.get(table_name, table_name)
                ~ " (vars rpm_erp_database, rpm_erp_schema, rpm_erp_tables).") }}
        {%- endif -%}
        {%- set present = {} -%}
        {%- for column in (adapter.get_columns_in_relation(source) if source else []) -%}
            {%- do present.update({column.name | lower: column}) -%}
        {%- endfor -%}
        {%- set cells = [] -%}
        {%- for name in columns -%}
            {%- do cells.append(rpm.warehouse_cell_as_text(present[name], text)
                if name in present else 'cast(null as ' ~ text ~ ')') -%}
        {%- endfor -%}
        {%- set select_list = [] -%}
        {%- for name in columns -%}
            {%- do select_list.append(cells[loop.index0] ~ ' as ' ~ name) -%}
        {%- endfor -%}
        {%- set rows = 'select ' ~ select_list | join(', ') ~ ', row_number() over (order by '
            ~ cells | join(', ') ~ ') as _raw_row_id from ' ~ source
            if source else 'select ' ~ select_list | join(', ')
            ~ ', cast(null as bigint) as _raw_row_id where 1 = 0' -%}
        {%- do statements.append('drop table if exists ' ~ raw_schema ~ '.' ~ table_name) -%}
        {%- do statements.append('create table ' ~ raw_schema ~ '.' ~ table_name ~ ' as ' ~ rows) -%}
        {%- do statements.append("insert into " ~ raw_schema ~ "._extract_files values ('"
            ~ table_name ~ "', "
            ~ rpm.sql_text_literal(source | string) ~ ", null, null)") if source -%}
    {%- endfor -%}
    {%- set all_statements = [
        'drop table if exists ' ~ raw_schema ~ '._extract_files',
        'create table ' ~ raw_schema ~ '._extract_files ' ~ rpm.extract_files_columns(),
    ] + statements + [
        'drop table if exists ' ~ raw_schema ~ '._changed_rows',
        'create table ' ~ raw_schema ~ '._changed_rows ' ~ rpm.changed_rows_columns(),
        'drop table if exists ' ~ raw_schema ~ '._load_state',
        'create table ' ~ raw_schema ~ '._load_state as ' ~ rpm.whole_load_state(),
    ] -%}
    {#- One transaction: the first statement opens it on the hook's
        connection, the commit ends it once every table is in place. -#}
    {%- for statement in all_statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- do run_query('commit') -%}
    {{ log("raw schema <- " ~ database ~ "." ~ schema ~ " (warehouse tables, whole load)",
        info=true) }}
    {{ return('') }}
{% endmacro %}


{#- One warehouse column as the text a CSV cell would hold: a float as plain
    decimal digits (a cast would write 4e-05, which no contract pattern
    reads), trailing zeros dropped; a timestamp with time zone as UTC
    without the offset; anything else cast as is. The column keeps its
    actual name (quoted), whatever its case. -#}
{% macro warehouse_cell_as_text(column, text) %}
    {%- set cell = adapter.quote(column.name) -%}
    {%- set dtype = column.dtype | lower -%}
    {%- if column.is_float() or dtype in ('double', 'float', 'real') -%}
        {{ return("regexp_replace(regexp_replace(cast(cast(" ~ cell ~ " as decimal(38, 12)) as "
            ~ text ~ "), '0+$', ''), '[.]$', '')") }}
    {%- elif dtype in ('timestamp with time zone', 'timestamptz', 'timestamp_tz') -%}
        {{ return('cast((' ~ cell ~ " at time zone 'UTC') as " ~ text ~ ')') }}
    {%- endif -%}
    {{ return('cast(' ~ cell ~ ' as ' ~ text ~ ')') }}
{% endmacro %}


{#- The bookkeeping tables (sources rpm_load) as receivables-load writes them
    (receivables_rpm.loader: EXTRACT_FILES, CHANGED_ROWS, LOAD_STATE): the files read,
    the raw rows a load changed, and the load state of a whole load, which
    restates everything. -#}
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
