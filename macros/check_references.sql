{#- Cross-table validation of a staged model (STYLE.md: staging never joins).
    Returns every row of `relation` with
      quarantine_reason / _column / _value / _detail (NULL when valid)
    from the first failing check, in this order:
      references  [{'column', 'to' (a relation), 'to_column', 'filter' (sql on
                   the referenced relation, optional), 'optional' (NULL allowed),
                   'label' (what the referenced row is, for the message)}]
                  a key that points to no row, or to a quarantined one, since
                  `to` holds validated rows only: orphan_reference
      fx_date     a date column: the row's currency_code needs a usable rate
                  to the reporting currency on that date (fx_rates: the
                  relation int_fx_rates_resolved, passed by the caller);
                  adds fx_rate_to_reporting and fx_quote_date: missing_fx_rate -#}

{% macro check_references(relation, references=[], fx_date=none, fx_rates=none) %}
{%- if fx_date and fx_rates is none -%}
    {{ exceptions.raise_compiler_error(
        "check_references: fx_date needs fx_rates (the relation int_fx_rates_resolved).") }}
{%- endif -%}
{%- set reporting = var('reporting_currency') -%}
with

rows_to_check as (

    select * from {{ relation }}
    {{ rpm.restated_only() }}

),
{%- for reference in references %}

reference_{{ loop.index }} as (

    select distinct {{ reference.to_column }} as referenced_key
    from {{ reference.to }}
    {%- if reference.get('filter') %}
    where {{ reference.filter }}
    {%- endif %}

),
{%- endfor %}
{%- if fx_date %}

fx_rates as (

    select
        currency_code,
        rate_date,
        quote_date,
        rate_to_reporting
    from {{ fx_rates }}

),
{%- endif %}

joined as (

    select
        rows_to_check.*,
        {%- for reference in references %}
        reference_{{ loop.index }}.referenced_key is null
        {%- if reference.get('optional') %}
        and rows_to_check.{{ reference.column }} is not null
        {%- endif %} as is_orphan_{{ loop.index }},
        {%- endfor %}
        {%- if fx_date %}
        case
            when rows_to_check.currency_code = '{{ reporting }}' then {{ rpm.to_rate(1) }}
            else fx_rates.rate_to_reporting
        end as fx_rate_to_reporting,
        case
            when rows_to_check.currency_code = '{{ reporting }}'
                then rows_to_check.{{ fx_date }}
            else fx_rates.quote_date
        end as fx_quote_date,
        {%- endif %}
        true as is_joined
    from rows_to_check
    {%- for reference in references %}
    left join reference_{{ loop.index }}
        on rows_to_check.{{ reference.column }}
        = reference_{{ loop.index }}.referenced_key
    {%- endfor %}
    {%- if fx_date %}
    left join fx_rates
        on
            rows_to_check.currency_code = fx_rates.currency_code
            and rows_to_check.{{ fx_date }} = fx_rates.rate_date
    {%- endif %}

),

checked as (

    select
        *,
        {%- for part in ['reason', 'column', 'value', 'detail'] %}
        case
            {%- for reference in references %}
            when is_orphan_{{ loop.index }} then
            {%- if part == 'reason' %} 'orphan_reference'
            {%- elif part == 'column' %} '{{ reference.column }}'
            {%- elif part == 'value' %} {{ reference.column }}
            {%- else %} {{ dbt.concat([
                "'" ~ reference.column ~ " '", reference.column,
                "' is not " ~ reference.label ~ "'"]) }}
            {%- endif %}
            {%- endfor %}
            {%- if fx_date %}
            when fx_rate_to_reporting is null then
            {%- if part == 'reason' %} 'missing_fx_rate'
            {%- elif part == 'column' %} 'currency_code'
            {%- elif part == 'value' %} currency_code
            {%- else %} {{ dbt.concat([
                "'no '", "currency_code", "'/" ~ reporting ~ " rate on or up to "
                ~ var('fx_max_staleness_days') ~ " days before '",
                dbt.cast(fx_date, dbt.type_string())]) }}
            {%- endif %}
            {%- endif %}
        end as quarantine_{{ part }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from joined

)

select * from checked
{%- endmacro %}
