{#- Join condition placing days past due in a row of the aging_buckets seed
    (NULL edges are open: current has no lower edge, 120+ no upper one). -#}
{% macro in_aging_bucket(days_past_due, buckets) %}
    {{ days_past_due }} >= coalesce({{ buckets }}.min_days_past_due, {{ days_past_due }})
    and {{ days_past_due }} <= coalesce({{ buckets }}.max_days_past_due, {{ days_past_due }})
{%- endmacro %}
