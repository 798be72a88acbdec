-- One row per quarantined raw row of the extract, from either layer:
-- staging (single-row checks, conflicting duplicates) or validation
-- (cross-table checks). Quarantined rows never reach a KPI.
{%- set tables = extract_table_models() %}

with

{% for table_name, models in tables.items() -%}
    staging_{{ table_name }} as (

        select
            '{{ table_name }}' as table_name,
            _raw_row_id,
            record_key,
            quarantine_reason as reason_code,
            quarantine_column as column_name,
            quarantine_value as raw_value,
            cast(null as {{ dbt.type_string() }}) as detail,
            'staging' as layer
        from {{ ref(models.base) }}
        where row_status = 'quarantined'

    ),

    {% if models.checked -%}
        validation_{{ table_name }} as (

            select
                '{{ table_name }}' as table_name,
                _raw_row_id,
                {{ models.key }} as record_key,
                quarantine_reason as reason_code,
                quarantine_column as column_name,
                quarantine_value as raw_value,
                quarantine_detail as detail,
                'validation' as layer
            from {{ ref(models.checked) }}
            where quarantine_reason is not null

        ),

    {% endif -%}
{% endfor -%}
unioned as (

    {% for table_name, models in tables.items() -%}
        select * from staging_{{ table_name }}
        {%- if models.checked %}
            union all
            select * from validation_{{ table_name }}
        {%- endif %}
        {{- '\n    union all' if not loop.last }}
    {% endfor %}
),

reasons as (

    select
        reason_code,
        description
    from {{ ref('quarantine_reasons') }}

),

final as (

    select
        unioned.table_name,
        unioned._raw_row_id,
        unioned.record_key,
        unioned.reason_code,
        unioned.column_name,
        unioned.raw_value,
        unioned.layer,
        coalesce(
            unioned.detail,
            {{ dbt.concat([
                "coalesce(unioned.column_name, '')", "' = '",
                "coalesce(unioned.raw_value, '(empty)')", "': '",
                "coalesce(reasons.description, unioned.reason_code)"]) }}
        ) as detail
    from unioned
    left join reasons
        on unioned.reason_code = reasons.reason_code

)

select * from final
