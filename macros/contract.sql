{#- The extract contract as declared in models/staging/erp/_erp__sources.yml:
    one place for column lists, types, codes and keys. -#}

{% macro contract_table(table_name) %}
    {%- for node in graph.sources.values()
        if node.source_name == 'erp' and node.name == table_name -%}
        {{ return(node) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "erp source table '" ~ table_name ~ "' is not declared in _erp__sources.yml") }}
{% endmacro %}


{% macro contract_tables() %}
    {%- set names = [] -%}
    {%- for node in graph.sources.values() if node.source_name == 'erp' -%}
        {%- do names.append(node.name) -%}
    {%- endfor -%}
    {{ return(names | sort) }}
{% endmacro %}


{% macro contract_meta(node) %}
    {#- Table or column metadata, wherever dbt keeps it. -#}
    {%- set meta = {} -%}
    {%- do meta.update(node.meta or {}) -%}
    {%- if node.config is defined and node.config.meta is defined -%}
        {%- do meta.update(node.config.meta or {}) -%}
    {%- endif -%}
    {{ return(meta) }}
{% endmacro %}


{% macro contract_columns(table_name) %}
    {#- [{name, type, required, code_set, case, positive, min, max, pii}] -#}
    {%- set columns = [] -%}
    {%- for column in contract_table(table_name).columns.values() -%}
        {%- set meta = rpm.contract_meta(column) -%}
        {%- set entry = {'name': column.name} -%}
        {%- do entry.update(meta) -%}
        {%- do columns.append(entry) -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}
