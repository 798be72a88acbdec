{#- An aggregate: the distinct texts of `expression` in the group, sorted,
    joined by `delimiter` (a Python string); NULL or '' (Spark) when the group
    has none. dbt's listagg can neither order on Spark nor take distinct
    values, so every engine's form is written here; all give the same text. -#}
{% macro sorted_text_list(expression, delimiter) %}
    {%- if target.type == 'spark' -%}
        array_join(array_sort(collect_set({{ expression }})), '{{ delimiter }}')
    {%- elif target.type == 'postgres' -%}
        {#- Binary order, as DuckDB and Spark, whatever the database's collation. -#}
        string_agg(distinct ({{ expression }}) collate "C", '{{ delimiter }}' order by ({{ expression }}) collate "C")
    {%- else -%}
        string_agg(distinct {{ expression }}, '{{ delimiter }}' order by {{ expression }})
    {%- endif -%}
{% endmacro %}
