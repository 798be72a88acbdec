{#- Write `name as {{ materialized_cte() }} (...)` to have the engine
    compute a CTE once even where it is read many times (inside a recursive
    CTE's steps it is otherwise computed again at every step). DuckDB and
    Postgres 12+ accept `as materialized`; other engines get a plain CTE. -#}
{% macro materialized_cte() %}
    {{- return(adapter.dispatch('materialized_cte', 'rpm')()) -}}
{% endmacro %}

{% macro default__materialized_cte() %}{% endmacro %}

{% macro duckdb__materialized_cte() %}materialized{% endmacro %}

{% macro postgres__materialized_cte() %}materialized{% endmacro %}
