{#- The rows of a *_checked model that passed every check, without the
    check bookkeeping columns. -#}
{% macro validated_rows(checked) %}
    {%- set bookkeeping = ['quarantine_reason', 'quarantine_column',
        'quarantine_value', 'quarantine_detail', 'is_joined'] -%}
    {%- set kept = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(checked) -%}
            {%- set name = column.name | lower -%}
            {%- if name not in bookkeeping and not name.startswith('is_orphan_') -%}
                {%- do kept.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
select
    {{ kept | join(',\n    ') if kept else '*' }}
from {{ checked }}
where quarantine_reason is null
{%- endmacro %}
