{#- Post-hook of quarantine_summary: one warning per table with quarantined
    rows, and a failed build, naming table, reason and an example key, when
    a table's quarantined share exceeds var('quarantine_max_share'). -#}
{% macro check_quarantine_share() %}
    {%- if execute -%}
        {%- set max_share = var('quarantine_max_share') | float -%}
        {%- set result = run_query(
            "select table_name, reason_code, quarantined_rows, table_raw_rows, "
            ~ "table_quarantined_share, example_record_key, example_column_name, "
            ~ "example_raw_value, example_detail from " ~ this
            ~ " order by table_name, quarantined_rows desc, reason_code") -%}
        {%- set failures = [] -%}
        {%- for row in result.rows -%}
            {%- set message = "quarantined " ~ row[2] ~ " of " ~ row[3] ~ " rows of "
                ~ row[0] ~ " for " ~ row[1] ~ " (e.g. key " ~ row[5] ~ ": "
                ~ row[8] ~ ")" -%}
            {%- do exceptions.warn(message) -%}
            {%- if row[4] > max_share and row[0] not in failures | map(attribute=0) -%}
                {%- do failures.append([row[0], row[1], row[4], row[5], row[6], row[8]]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if failures -%}
            {%- set lines = [] -%}
            {%- for f in failures -%}
                {%- do lines.append("table " ~ f[0] ~ ": " ~ "%.2f" | format(f[2] * 100)
                    ~ " % of rows quarantined (max " ~ "%.2f" | format(max_share * 100)
                    ~ " %), mostly " ~ f[1] ~ ", e.g. key " ~ f[3] ~ " column "
                    ~ f[4] ~ ": " ~ f[5]) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                "Extract rejected: quarantined share above quarantine_max_share.\n  "
                ~ lines | join("\n  ")
                ~ "\nSee quarantine.quarantined_rows; raise the var quarantine_max_share "
                ~ "only if these rows may be left out of the KPIs.") }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
