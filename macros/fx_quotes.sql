{#- Every quote of `fx_rates` (a relation with rate_date, from_currency_code,
    to_currency_code, rate) against the reporting currency, as a rate to it
    (kpi_definitions.md, Currency): the direct pair (currency -> reporting)
    as given, priority 1, and the inverse pair (reporting -> currency) as
    1 / rate, priority 2 (the direct quote wins a tie of dates). Both rate
    lookups rank these rows: by date needed (int_fx_rates_resolved) and at
    period ends (int_fx_closing_rates). -#}
{% macro fx_quotes(fx_rates) %}
    {%- set reporting = var('reporting_currency') -%}
    select
        from_currency_code as currency_code,
        rate_date as quote_date,
        'direct' as quote_direction,
        1 as quote_priority,
        {{ rpm.to_rate('rate') }} as rate_to_reporting
    from {{ fx_rates }}
    where to_currency_code = '{{ reporting }}'

    union all

    select
        to_currency_code as currency_code,
        rate_date as quote_date,
        'inverse' as quote_direction,
        2 as quote_priority,
        {{ rpm.inverse_rate('rate') }} as rate_to_reporting
    from {{ fx_rates }}
    where from_currency_code = '{{ reporting }}' and rate > 0
{%- endmacro %}
