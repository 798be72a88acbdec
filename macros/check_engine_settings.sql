{#- Engine settings the numbers depend on, checked before anything builds
    (on-run-start). Spark: spark.sql.decimalOperations.allowPrecisionLoss
    must be false, or a decimal product past 38 digits is cut to 6 places,
    rounding half up (docs/spark.md, "Rounding"; D72). A Thrift server
    ignores a session setting not named set:hiveconf:<key> without a word,
    and a cluster may set it otherwise: the run stops, naming the setting. -#}
{% macro check_engine_settings() %}
    {%- if not execute or flags.WHICH not in ('build', 'run') -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('check_engine_settings', 'rpm')()) }}
{% endmacro %}

{% macro default__check_engine_settings() %}
    {{ return('') }}
{% endmacro %}

{% macro spark__check_engine_settings() %}
    {%- set setting = 'spark.sql.decimalOperations.allowPrecisionLoss' -%}
    {%- set value = run_query('set ' ~ setting).columns[1].values()[0] | string | lower -%}
    {%- if value != 'false' -%}
        {{ exceptions.raise_compiler_error(
            "Spark setting " ~ setting ~ " is " ~ value ~ " on target " ~ target.name
            ~ ": money would round half up past 38 digits. Set it to false: the profile's"
            ~ " server_side_parameters (session), `set:hiveconf:" ~ setting ~ "` (thrift), or"
            ~ " the cluster's Spark config (docs/spark.md, Rounding).") }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#- Databricks SQL warehouses accept only a few session settings; their
    decimal arithmetic is Databricks' to document (docs/spark.md). -#}
{% macro databricks__check_engine_settings() %}
    {{ return('') }}
{% endmacro %}
