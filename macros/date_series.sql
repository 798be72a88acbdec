{#- Every day from start_date to end_date (SQL date expressions, evaluated
    once), as a relation with one column date_day. -#}
{% macro date_series(start_date, end_date) %}
    {{ return(adapter.dispatch('date_series', 'rpm')(start_date, end_date)) }}
{% endmacro %}

{% macro default__date_series(start_date, end_date) %}
    select cast(series.date_day as date) as date_day
    from generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval '1 day'
    ) as series (date_day)
{% endmacro %}

{% macro duckdb__date_series(start_date, end_date) %}
    select cast(unnest(generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval 1 day
    )) as date) as date_day
{% endmacro %}

{% macro spark__date_series(start_date, end_date) %}
    select explode(sequence(
        cast({{ start_date }} as date),
        cast({{ end_date }} as date),
        interval 1 day
    )) as date_day
{% endmacro %}


{#- ISO day of the week of a date: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_day_of_week(date_expression) %}
    {{ return(adapter.dispatch('iso_day_of_week', 'rpm')(date_expression)) }}
{% endmacro %}

{% macro default__iso_day_of_week(date_expression) %}
    extract(isodow from {{ date_expression }})
{% endmacro %}

{% macro spark__iso_day_of_week(date_expression) %}
    (weekday({{ date_expression }}) + 1)
{% endmacro %}


{#- Whole days from start_date to end_date as an integer. -#}
{% macro days_between(start_date, end_date) %}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as integer)
{%- endmacro %}


{#- date_expression plus a number of days, as a date. -#}
{% macro add_days(date_expression, days) %}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}
