{#- Exact money (kpi_definitions.md v2, Currency). Document-currency amounts
    are decimals with at most 4 places (the contract); a reporting-currency
    amount is `amount x rate` rounded half to even to 6 places; from there
    every sum and difference of money is exact decimal. Ratios (DSO, CEI,
    shares) are taken as doubles from exact sums. -#}

{% macro type_money() %}decimal(38, 6){% endmacro %}

{#- A rate to the reporting currency: a quote as given (at most 12 decimals)
    or an inverse quote rounded to 12 significant digits, which needs more
    places below 1 (1 / 25,000 = 0.00004). 20 places leave 18 integer
    digits, and an amount x rate product (scale 24) 14: 100 trillion in the
    reporting currency per document before DuckDB reports an overflow. -#}
{% macro type_rate() %}decimal(38, 20){% endmacro %}

{% macro to_money(expression) %}cast({{ expression }} as {{ rpm.type_money() }}){% endmacro %}

{% macro to_rate(expression) %}cast({{ expression }} as {{ rpm.type_rate() }}){% endmacro %}


{#- amount (document or receipt currency) x rate, in reporting currency,
    rounded half to even to 6 places. -#}
{% macro to_reporting(amount, rate) %}
    {{ return(adapter.dispatch('to_reporting', 'rpm')(amount, rate)) }}
{% endmacro %}

{% macro default__to_reporting(amount, rate) %}
    {{- rpm.round_half_even_6('cast(' ~ amount ~ ' as decimal(38, 4)) * ' ~ rate) -}}
{% endmacro %}

{% macro spark__to_reporting(amount, rate) %}
    {#- DuckDB and Postgres round half away from zero: bround is Spark's
        half even. The product keeps its 24 places because the profile sets
        spark.sql.decimalOperations.allowPrecisionLoss false (docs/spark.md,
        "Rounding"). -#}
    cast(bround(cast({{ amount }} as decimal(18, 4)) * {{ rate }}, 6) as {{ rpm.type_money() }})
{%- endmacro %}


{#- An exact decimal rounded half to even to 6 places: round() rounds half
    away from zero on DuckDB and Postgres; on an exact tie whose rounded
    last digit is odd, step back towards zero. -#}
{% macro round_half_even_6(expression) %}
    {%- set rounded = 'round(' ~ expression ~ ', 6)' -%}
    cast(
        case
            when abs(({{ expression }}) - {{ rounded }}) = 0.0000005
                and cast({{ rpm.to_money(rounded) }} * 1000000 as decimal(38, 0)) % 2 <> 0
                then {{ rounded }} - sign({{ expression }}) * 0.000001
            else {{ rounded }}
        end
        as {{ rpm.type_money() }}
    )
{%- endmacro %}


{#- 1 / rate rounded half to even to 12 significant digits, as a rate. -#}
{% macro inverse_rate(rate) %}
    {{ return(adapter.dispatch('inverse_rate', 'rpm')(rate)) }}
{% endmacro %}

{% macro default__inverse_rate(rate) %}
    {#- Postgres: exact numeric division, then 12 significant digits,
        rounding half away from zero on the 13th. A reciprocal can tie there
        (1 / 0.262144 = 3.814697265625): Postgres and Spark round it up,
        DuckDB (a double printed to 12 digits) to even (D53). -#}
    {{ rpm.to_rate(
        'round(1 / cast(' ~ rate ~ ' as numeric), 11 - cast(floor(log(1 / cast('
        ~ rate ~ ' as numeric))) as integer))'
    ) }}
{%- endmacro %}

{% macro duckdb__inverse_rate(rate) %}
    {#- A double's reciprocal printed with 12 significant digits, read back as
        an exact decimal. -#}
    {{ rpm.to_rate("printf('%.11e', 1 / cast(" ~ rate ~ " as double))") }}
{%- endmacro %}

{% macro spark__inverse_rate(rate) %}
    {{ rpm.to_rate("format_string('%.11e', 1 / cast(" ~ rate ~ " as double))") }}
{%- endmacro %}


{#- A ratio of exact money as a double: the two exact sums converted once,
    divided, then scaled (x days, x 100). Dividing first keeps the bounds
    that hold exactly: a part over its whole is <= 1, so a share is <= 100
    and an HHI <= 10,000 (multiplying the numerator first can overshoot by
    a bit). NULL-guards stay with the caller (the spec's "NULL when"). -#}
{% macro ratio(numerator, denominator, scale=none) %}
    cast({{ numerator }} as {{ type_double() }}) / cast({{ denominator }} as {{ type_double() }})
    {%- if scale is not none %} * {{ scale }}{% endif %}
{%- endmacro %}

{#- The reporting-currency amount of each change of a running balance kept
    in another currency: the change of the balance converted (rounded to 6
    places), so that the changes of a balance add up to its converted
    balance exactly and a settled item is 0 in both currencies. Rows at rate
    1 convert exactly and skip the window. `relation` has event_date,
    event_type, fx_rate_to_reporting and the `change` column; within a day
    the opening events come first (so that they convert whole), then
    `order_key`. -#}
{% macro converted_changes(
    relation, balance_key, change, order_key, opening_event_types, columns
) %}
    select
        {{ columns | join(',\n        ') }},
        {{ rpm.to_reporting('balance_after', 'fx_rate_to_reporting') }}
        - {{ rpm.to_reporting(
            'balance_after - ' ~ change, 'fx_rate_to_reporting'
        ) }} as amount_reporting_change
    from (
        select
            *,
            sum({{ change }}) over (
                partition by {{ balance_key }}
                order by
                    event_date,
                    case
                        when event_type in (
                            '{{ opening_event_types | join("', '") }}'
                        ) then 0
                        else 1
                    end,
                    {{ order_key }},
                    event_type
                rows between unbounded preceding and current row
            ) as balance_after
        from {{ relation }}
        where fx_rate_to_reporting <> 1
    ) as converted

    union all

    select
        {{ columns | join(',\n        ') }},
        {{ rpm.to_money(change) }} as amount_reporting_change
    from {{ relation }}
    where fx_rate_to_reporting = 1
{% endmacro %}
