{#- Defensive casts from text: NULL when the text does not parse, never an
    error, so one bad cell cannot fail a build. DuckDB and Spark have
    try_cast; elsewhere (Postgres) the text must match the type's pattern
    first. -#}

{% macro parse_text(expression, kind) %}
    {%- set parsed = adapter.dispatch('parse_text', 'rpm')(expression, kind) -%}
    {%- if kind == 'rate' -%}
        {{ return(rpm.at_most_18_significant_digits(parsed, 12)) }}
    {%- endif -%}
    {{ return(parsed) }}
{% endmacro %}


{#- Contract v2, precision: a value beyond 18 significant digits does not
    parse. An amount's type (decimal(18, 4)) bounds it already; a rate's
    (decimal(24, 12)) holds 24, so the digits are counted: a value whose
    last non-zero digit is at place s (0..places) has 18 significant digits
    at most when its absolute value is below 10^(18 - s). -#}
{% macro at_most_18_significant_digits(value, places) %}
    case
    {%- for s in range(places + 1) %}
        when {{ value }} = round({{ value }}, {{ s }})
            then case when abs({{ value }}) < 1{{ '0' * (18 - s) }} then {{ value }} end
    {%- endfor %}
    end
{%- endmacro %}


{#- Contract v2, precision: an amount needing more than 4 decimal places,
    a rate needing more than 12 (trailing zeros do not count) does not
    parse: input is never rounded silently. The integer part is bounded by
    the typed column: 14 digits for an amount (18 significant in all), 12
    for a rate. -#}
{% macro number_places(kind) %}
    {{ return({'decimal': 4, 'rate': 12}[kind]) }}
{% endmacro %}


{% macro sql_type(kind) %}
    {#- The typed column for each contract type. -#}
    {%- set types = {
        'date': 'date',
        'timestamp': 'timestamp',
        'decimal': 'decimal(18, 4)',
        'rate': 'decimal(24, 12)',
        'integer': 'bigint',
        'text': dbt.type_string(),
        'code': dbt.type_string(),
    } -%}
    {{ return(types[kind]) }}
{% endmacro %}


{% macro duckdb__parse_text(expression, kind) %}
    {%- if kind == 'date' -%}
        {#- ISO dates only: a timestamp or a locale format is not a date. -#}
        case
            when regexp_full_match({{ expression }}, '\d{4}-\d{2}-\d{2}')
                then try_cast({{ expression }} as date)
        end
    {%- elif kind == 'integer' -%}
        case
            when regexp_full_match({{ expression }}, '[+-]?\d+')
                then try_cast({{ expression }} as bigint)
        end
    {%- elif kind in ('decimal', 'rate') -%}
        case
            when regexp_full_match({{ expression }},
                '[+-]?(\d+(\.\d{0,{{ rpm.number_places(kind) }}}0*)?|\.\d{1,{{ rpm.number_places(kind) }}}0*)')
                then try_cast({{ expression }} as {{ rpm.sql_type(kind) }})
        end
    {%- else -%}
        try_cast({{ expression }} as {{ rpm.sql_type(kind) }})
    {%- endif -%}
{% endmacro %}



{% macro spark__parse_text(expression, kind) %}
    {#- Spark's casts accept '2024-1-5' and trailing text; the pattern keeps
        the contract's ISO forms. [0-9] rather than \d: Spark unescapes
        backslashes in string literals. try_cast gives NULL for 2023-02-30. -#}
    {%- set patterns = {
        'date': '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
        'timestamp': '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?$',
        'integer': '^[+-]?[0-9]+$',
        'decimal': '^[+-]?([0-9]+([.][0-9]{0,4}0*)?|[.][0-9]{1,4}0*)$',
        'rate': '^[+-]?([0-9]+([.][0-9]{0,12}0*)?|[.][0-9]{1,12}0*)$',
    } -%}
    {%- if kind in patterns -%}
        case
            when {{ expression }} rlike '{{ patterns[kind] }}'
                then try_cast({{ expression }} as {{ rpm.sql_type(kind) }})
        end
    {%- else -%}
        try_cast({{ expression }} as {{ rpm.sql_type(kind) }})
    {%- endif -%}
{% endmacro %}

{% macro default__parse_text(expression, kind) %}
    {#- The pattern admits 2023-02-30; the inner CASE checks the day against
        the month's length before the cast (a cast would fail the build). -#}
    {%- set date_pattern = '[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])' -%}
    {%- set patterns = {
        'date': '^' ~ date_pattern ~ '$',
        'timestamp': '^' ~ date_pattern ~ '([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?)?$',
        'integer': '^[+-]?\d{1,18}$',
        'decimal': '^[+-]?(\d{1,14}(\.\d{0,4}0*)?|\.\d{1,4}0*)$',
        'rate': '^[+-]?(\d{1,12}(\.\d{0,12}0*)?|\.\d{1,12}0*)$',
    } -%}
    case
        when {{ expression }} ~ '{{ patterns[kind] }}' then
        {%- if kind in ('date', 'timestamp') %}
            case
                when cast(substr({{ expression }}, 9, 2) as integer) <= extract(day from
                    make_date(cast(substr({{ expression }}, 1, 4) as integer),
                        cast(substr({{ expression }}, 6, 2) as integer), 1)
                    + interval '1 month' - interval '1 day')
                    then cast({{ expression }} as {{ rpm.sql_type(kind) }})
            end
        {%- else %}
            cast({{ expression }} as {{ rpm.sql_type(kind) }})
        {%- endif %}
    end
{% endmacro %}


{% macro type_double() %}
    {#- Ratios (DSO, CEI, shares): IEEE double from exact sums (D53). -#}
    {{ return(adapter.dispatch('type_double', 'rpm')()) }}
{% endmacro %}

{% macro default__type_double() %}double precision{% endmacro %}

{% macro duckdb__type_double() %}double{% endmacro %}

{% macro spark__type_double() %}double{% endmacro %}
