{#- One raw contract table -> one row per raw row, typed, checked and
    de-duplicated, with its fate in row_status:
      staged       the row goes on to staging
      collapsed    an exact duplicate of an earlier raw row (same content
                   after trimming and case normalisation)
      superseded   an older version of a key (version_column, e.g.
                   source_updated_at), a newer one exists
      quarantined  quarantine_reason says why: the first failing check in
                   contract column order (missing_required_value,
                   unparseable_*, unknown_code, negative_amount; a number
                   outside its contract range is unparseable_number, v2
                   lists the reasons), then the table's extra_checks, then
                   conflicting_duplicate (same key, different content, no
                   newer version to prefer)
    Every raw row appears exactly once, so the row accounting adds up.

    extra_checks: [{'condition': sql on typed columns, 'reason': code,
                    'column': contract column}] for checks the metadata cannot
    express (sign by document type).

    The caller names every relation read: raw (the source table), and the
    code lists code_sets, currencies and countries (seeds code_sets,
    iso_currencies, iso_countries). -#}

{% macro stage_contract_table(
    table_name, raw, code_sets, currencies, countries, extra_checks=[]
) %}
    {#- Incremental: a new extract restages only the keys with a removed or
        added raw row (raw._changed_rows); every window below is per key. -#}
    {{ config(
        materialized=rpm.restate_materialization(),
        incremental_strategy='restate',
        restate_keys=[['record:' ~ table_name, 'record_key']],
    ) }}
    {%- if not execute -%}
        {#- Parsing: the graph (and so the contract) is not known yet. -#}
        {{ return('') }}
    {%- endif -%}
    {%- set columns = rpm.contract_columns(table_name) -%}
    {%- set table_meta = rpm.contract_meta(rpm.contract_table(table_name)) -%}
    {%- set key_columns = table_meta['primary_key'] -%}
    {%- set version_column = table_meta.get('version_column') -%}
    {%- set key_text = key_columns | join('__text, ') ~ '__text' -%}
    {%- set code_lists = {'code_sets': code_sets, 'iso_currency': currencies,
        'iso_country': countries} -%}
    {%- set checks = rpm.contract_checks(columns, code_lists) + extra_checks -%}

with

source as (

    select * from {{ raw }}
    {{ rpm.restated_only([['record:' ~ table_name, rpm.raw_record_key(table_name)]]) }}

),

cleaned as (

    select
        _raw_row_id,
        {%- for column in columns %}
        {{ rpm.clean_text(column) }} as {{ column.name }}__text{{ ',' if not loop.last }}
        {%- endfor %}
    from source

),

typed as (

    select
        _raw_row_id,
        {%- for column in columns %}
        {{ column.name }}__text,
        {%- if column.get('type', 'text') in ('text', 'code') %}
        {{ column.name }}__text as {{ column.name }},
        {%- else %}
        {{ rpm.parse_text(column.name ~ '__text', column.get('sql_kind', column.type)) }}
            as {{ column.name }},
        {%- endif %}
        {%- endfor %}
        {{ rpm.text_key(key_columns) }} as record_key
    from cleaned

),

shared_keys as (

    {#- Keys that more than one raw row holds: only their rows can be exact
        duplicates, older versions or conflicts, so the windows below run on
        them alone (a window carries every column; most keys have one row).
        Two keys spelling the same record_key (a '|' inside a key part) only
        send a few more rows through the windows, which partition by the
        real columns. -#}
    select {{ rpm.raw_record_key(table_name) }} as record_key
    from source
    group by {{ rpm.raw_record_key(table_name) }}
    having count(*) > 1

),

checked as (

    select
        *,
        {{ rpm.first_failure(checks, 'reason') }} as quarantine_reason,
        {{ rpm.first_failure(checks, 'column') }} as quarantine_column,
        {{ rpm.first_failure(checks, 'value') }} as quarantine_value,
        record_key in (select record_key from shared_keys) as is_shared_key
    from typed

),

contested as (

    select
        *,
        {#- Exact duplicates: equal in every cleaned cell (NULLs equal). -#}
        row_number() over (
            partition by
            {%- for column in columns %}
                {{ column.name }}__text{{ ',' if not loop.last }}
            {%- endfor %}
            order by _raw_row_id
        ) > 1 as is_exact_duplicate
    from checked
    where is_shared_key

),

contested_candidates as (

    {#- Rows that passed their own checks compete for their key. -#}
    select
        *,
        not is_exact_duplicate and quarantine_reason is null as is_candidate
    from contested

),

contested_versions as (

    select
        *,
        {%- if version_column %}
        is_candidate and {{ version_column }} < max(
            case when is_candidate then {{ version_column }} end
        ) over (partition by {{ key_text }}) as is_older_version,
        is_candidate and count(case when is_candidate then 1 end) over (
            partition by {{ key_text }}, {{ version_column }}
        ) > 1 as is_conflicting
        {%- else %}
        false as is_older_version,
        is_candidate and count(case when is_candidate then 1 end) over (
            partition by {{ key_text }}
        ) > 1 as is_conflicting
        {%- endif %}
    from contested_candidates

),

versions as (

    {#- A key with one raw row (the second part): no duplicate, no other
        version, no conflict. -#}
    select * from contested_versions
    union all
    select
        *,
        false as is_exact_duplicate,
        quarantine_reason is null as is_candidate,
        false as is_older_version,
        false as is_conflicting
    from checked
    where not is_shared_key

),

final as (

    select
        _raw_row_id,
        record_key,
        {%- for column in columns %}
        {{ column.name }},
        {%- endfor %}
        case
            when is_exact_duplicate then 'collapsed'
            when quarantine_reason is not null then 'quarantined'
            when is_older_version then 'superseded'
            when is_conflicting then 'quarantined'
            else 'staged'
        end as row_status,
        case
            when is_candidate and is_conflicting then 'conflicting_duplicate'
            when not is_exact_duplicate then quarantine_reason
        end as quarantine_reason,
        case
            when is_candidate and is_conflicting
                then '{{ key_columns | join("|") }}'
            when not is_exact_duplicate then quarantine_column
        end as quarantine_column,
        case
            when is_candidate and is_conflicting then record_key
            when not is_exact_duplicate then quarantine_value
        end as quarantine_value
    from versions

)

select * from final
{%- endmacro %}


{% macro clean_text(column) %}
    {#- Trim; empty is NULL; codes in their canonical case. -#}
    {%- set trimmed = "nullif(trim(" ~ column.name ~ "), '')" -%}
    {%- if column.get('case') == 'upper' -%}
        upper({{ trimmed }})
    {%- elif column.get('case') == 'lower' -%}
        lower({{ trimmed }})
    {%- else -%}
        {{ trimmed }}
    {%- endif -%}
{% endmacro %}


{% macro text_key(names) %}
    {#- name1__text || '|' || name2__text ...; NULL parts as ''. -#}
    {%- set parts = [] -%}
    {%- for name in names -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append("coalesce(" ~ name ~ "__text, '')") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{% endmacro %}


{% macro contract_checks(columns, code_lists) %}
    {#- The single-row checks the contract metadata implies, in column order. -#}
    {%- set checks = [] -%}
    {%- for column in columns -%}
        {%- set name = column.name -%}
        {%- set kind = column.get('type', 'text') -%}
        {%- if column.get('required') -%}
            {%- do checks.append({'condition': name ~ '__text is null',
                'reason': 'missing_required_value', 'column': name}) -%}
        {%- endif -%}
        {%- if kind in ('date', 'timestamp') -%}
            {%- do checks.append({
                'condition': name ~ '__text is not null and ' ~ name ~ ' is null',
                'reason': 'unparseable_date', 'column': name}) -%}
        {%- elif kind in ('decimal', 'integer') -%}
            {%- do checks.append({
                'condition': name ~ '__text is not null and ' ~ name ~ ' is null',
                'reason': 'unparseable_number', 'column': name}) -%}
        {%- elif kind == 'code' -%}
            {%- do checks.append({
                'condition': name ~ '__text not in (' ~ rpm.code_set_query(column.code_set, code_lists) ~ ')',
                'reason': 'unknown_code', 'column': name}) -%}
        {%- endif -%}
        {%- if column.get('positive') -%}
            {%- do checks.append({'condition': name ~ ' < 0',
                'reason': 'negative_amount', 'column': name}) -%}
        {%- endif -%}
        {%- if column.get('min') is not none -%}
            {%- do checks.append({'condition': name ~ ' < ' ~ column.min,
                'reason': 'unparseable_number', 'column': name}) -%}
        {%- endif -%}
        {%- if column.get('max') is not none -%}
            {%- do checks.append({'condition': name ~ ' > ' ~ column.max,
                'reason': 'unparseable_number', 'column': name}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(checks) }}
{% endmacro %}


{#- code_lists: {'code_sets', 'iso_currency', 'iso_country': relation}. -#}
{% macro code_set_query(code_set, code_lists) %}
    {%- if code_set == 'iso_currency' -%}
        select currency_code from {{ code_lists.iso_currency }}
    {%- elif code_set == 'iso_country' -%}
        select country_code from {{ code_lists.iso_country }}
    {%- else -%}
        select code from {{ code_lists.code_sets }} where code_set = '{{ code_set }}'
    {%- endif -%}
{% endmacro %}


{% macro first_failure(checks, part) %}
    {#- part: 'reason' | 'column' | 'value' of the first check that fails. -#}
    case
    {%- for check in checks %}
        when {{ check.condition }} then
        {%- if part == 'value' %} {{ check.column }}__text
        {%- else %} '{{ check[part] }}'
        {%- endif %}
    {%- endfor %}
    end
{% endmacro %}


{% macro raw_record_key(table_name) %}
    {#- The primary key of a raw row as record_key spells it, from the raw
        text (cleaned as staging cleans it): key parts joined with '|'. -#}
    {%- set columns = rpm.contract_columns(table_name) -%}
    {%- set names = columns | map(attribute='name') | list -%}
    {%- set parts = [] -%}
    {%- for name in rpm.contract_meta(rpm.contract_table(table_name))['primary_key'] -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append('coalesce(' ~ rpm.clean_text(columns[names.index(name)]) ~ ", '')") -%}
    {%- endfor -%}
    {{ return(dbt.concat(parts)) }}
{% endmacro %}
