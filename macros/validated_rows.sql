{#- The rows of a *_checked model that passed every check, without the
    check bookkeeping columns, as they stood at the extract date
    (kpi_definitions.md: nothing dated after it exists). With the var
    extract_date set before the latest date of the extract:
      dated_by       a row dated after the extract date does not exist yet
                     and is left out here (it stays staged and accounted
                     for in quarantine.extract_row_accounting);
      unknown_after  {date column: {column: value}}: what a row learned
                     after the extract date is not known yet (a dispute
                     resolved later is open; a receipt reversed later is
                     not reversed): those columns take the values given. -#}
{#- checked: the *_checked relation; extract_date: the relation
    util_extract_date (the caller names its parents). -#}
{% macro validated_rows(checked, extract_date, dated_by=none, unknown_after={}) %}
    {%- set bookkeeping = ['quarantine_reason', 'quarantine_column',
        'quarantine_value', 'quarantine_detail', 'is_joined'] -%}
    {%- set overridden = {} -%}
    {%- for date_column, values in unknown_after.items() -%}
        {%- for column, value in values.items() -%}
            {%- do overridden.update({column: 'case when ' ~ date_column
                ~ ' > extract_date.extract_date then ' ~ value ~ ' else '
                ~ column ~ ' end'}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set kept = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(checked) -%}
            {%- set name = column.name | lower -%}
            {%- if name in overridden -%}
                {%- do kept.append(overridden[name] ~ ' as ' ~ name) -%}
            {%- elif name not in bookkeeping and not name.startswith('is_orphan_') -%}
                {%- do kept.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif %}
select
    {{ kept | join(',\n    ') if kept else '*' }}
from {{ checked }}
cross join (
    select extract_date from {{ extract_date }}
) as extract_date
where
    quarantine_reason is null
    {%- if dated_by %}
    and {{ dated_by }} <= extract_date.extract_date
    {%- endif %}
{%- endmacro %}
