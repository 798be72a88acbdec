-- CEI-DSO divergence flags per quarter and segment, with the evidence and
-- the recommended response (kpi_definitions.md, "CEI-DSO divergence
-- signal"; DECISIONS D44). On DuckDB from the Python model
-- (receivables_rpm.divergence); on engines without Python models from its
-- SQL equivalent; a data test on
-- DuckDB proves the two give the same rows.

{% if target.type == 'duckdb' %}
    select * from {{ ref('int_cei_dso_divergence_python') }}
{% else %}
    select * from {{ ref('int_cei_dso_divergence_sql') }}
{% endif %}
