{#- Contracts on Spark. The marts' contracts declare DuckDB / Postgres
    types (varchar, double precision) that Spark names otherwise (string,
    double), and NOT NULL constraints need Delta tables. On Spark the
    contract is checked by column names (a missing or extra column fails
    the model, naming it); types are enforced by the DuckDB and Postgres
    builds of the same models, NOT NULL by the not_null data tests (on every
    engine) and by the DuckDB and Postgres tables' constraints (marts that
    are views of a core model have data tests only). -#}
{% macro spark__get_assert_columns_equivalent(sql) %}
    {%- set built = get_column_schema_from_query(get_empty_subquery_sql(sql))
        | map(attribute='name') | map('lower') | list -%}
    {%- set declared = model['columns'].values() | map(attribute='name') | map('lower') | list -%}
    {%- set missing = declared | reject('in', built) | list -%}
    {%- set extra = built | reject('in', declared) | list -%}
    {%- if missing or extra -%}
        {{ exceptions.raise_compiler_error(
            "Contract of " ~ model.name ~ " not met: columns declared but not built: "
            ~ (missing | join(', ') or 'none') ~ "; built but not declared: "
            ~ (extra | join(', ') or 'none') ~ ".") }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
