-- The documents of rpt_kpi_input_documents add up to the inputs of every
-- KPI row of their periods, for every segment type: returns the
-- period-segment rows where a sum differs from the mart (exact money).
{%- set grain_names = {
    'monthly': 'month', 'quarterly': 'quarter', 'yearly': 'year'} %}
{%- set inputs = [
    'ar_begin', 'ar_end', 'current_ar_end', 'credit_sales', 'write_offs',
] %}

with

documents as (

    select * from {{ ref('rpt_kpi_input_documents') }}

),

sums as (

    {%- for segment_type, column in kpi_segment_columns() %}
        select
            {%- for input in inputs %}
                sum(
                    case
                        when kpi_input = '{{ input }}' then amount_reporting
                    end
                ) as {{ input }},
            {%- endfor %}
            period_grain,
            period_start_date,
            '{{ segment_type }}' as segment_type,
            {{ column or "'all'" }} as segment_value
        from documents
        -- the four columns after the sums
        group by {{ range(6, 10) | join(', ') }}
        {{- '\n        union all\n' if not loop.last }}
    {%- endfor %}

),

kpi_rows as (

    {%- for grain in ['monthly', 'quarterly', 'yearly'] %}
        select
            '{{ grain_names[grain] }}' as period_grain,
            period_start_date,
            segment_type,
            segment_value,
            {{ inputs | join(', ') }}
        from {{ ref('rpt_kpis_' ~ grain) }}
        {{- '\n        union all\n' if not loop.last }}
    {%- endfor %}

),

covered_periods as (

    select distinct
        period_grain,
        period_start_date
    from documents

),

compared as (

    select
        kpi_rows.*,
        {%- for input in inputs %}
            coalesce(sums.{{ input }}, 0) as documents_{{ input }},
        {%- endfor %}
        sums.period_grain is not null as has_documents
    from kpi_rows
    inner join covered_periods as covered
        on
            kpi_rows.period_grain = covered.period_grain
            and kpi_rows.period_start_date = covered.period_start_date
    left join sums
        on
            kpi_rows.period_grain = sums.period_grain
            and kpi_rows.period_start_date = sums.period_start_date
            and kpi_rows.segment_type = sums.segment_type
            and kpi_rows.segment_value = sums.segment_value

)

select * from compared
where
{%- for input in inputs %}
        coalesce({{ input }}, 0) <> documents_{{ input }}
        {{- ' or' if not loop.last }}
{%- endfor %}
