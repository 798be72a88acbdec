{#- Fails on every value of column_name also found in field of `to`: two
    models that must never share a row (staged vs quarantined). -#}
{% test not_in_relation(model, column_name, to, field, where_clause=none) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} in (
    select {{ field }} from {{ to }}
    {%- if where_clause %}
    where {{ where_clause }}
    {%- endif %}
)

{% endtest %}
