{#- A number rounded half away from zero to one decimal, as text ('4.7',
    '-9.0', never '-0.0'): how the divergence reasons print numbers, the same
    as receivables_rpm.divergence.one_decimal. -#}
{% macro format_one_decimal(expression) %}
    cast(cast({{ rpm.round_exact(expression, 1) }} as decimal(18, 1)) as {{ dbt.type_string() }})
{%- endmacro %}


{#- A number rounded to `digits` decimals, half away from zero, on every
    engine (Postgres has no round(double precision, integer)): through an
    exact decimal. For comparisons that must not depend on the last bits of
    a double. -#}
{% macro round_exact(expression, digits) %}
    round(cast({{ expression }} as decimal(38, 10)), {{ digits }})
{%- endmacro %}
