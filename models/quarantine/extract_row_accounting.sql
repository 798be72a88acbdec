-- One row per contract table: where every raw row went. The contract's
-- identity raw = staged + collapsed + superseded + quarantined is tested;
-- each count comes from its own model, so the test can fail.
{%- set tables = extract_table_models() %}

with

counts as (

    {% for table_name, models in tables.items() -%}
        select
            '{{ table_name }}' as table_name,
            (select count(*) from {{ source('erp', table_name) }}) as raw_rows,
            {#- Staged: passed every check. A row dated after a var
                extract_date is staged too; the validated view leaves it
                out as not existing yet (validated_rows). #}
            {%- set staged = ref(models.checked or models.final) %}
            (
                select count(*) from {{ staged }}
                {{ 'where quarantine_reason is null' if models.checked }}
            ) as staged_rows,
            (
                select count(*) from {{ ref(models.base) }}
                where row_status = 'collapsed'
            ) as collapsed_rows,
            (
                select count(*) from {{ ref(models.base) }}
                where row_status = 'superseded'
            ) as superseded_rows,
            (
                select count(*) from {{ ref('quarantined_rows') }}
                where table_name = '{{ table_name }}'
            ) as quarantined_rows
        {{- '\n    union all' if not loop.last }}
    {% endfor %}
),

final as (

    select
        *,
        case
            when raw_rows > 0 then 1.0 * quarantined_rows / raw_rows
            else 0
        end as quarantined_share
    from counts

)

select * from final
