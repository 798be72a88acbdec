{#- The segment types every KPI is reported for (kpi_definitions.md,
    "Segments"), each with the column of the segment-attributed facts that
    holds its value. 'ledger' is the whole ledger (segment_value 'all').
    Every type partitions the AR: each document has one company and one
    currency, each customer one value of the others (NULL region or
    collector is '(none)'). -#}
{% macro kpi_segment_columns() %}
    {{ return([
        ('ledger', none),
        ('company', 'company_code'),
        ('currency', 'currency_code'),
        ('industry', 'industry'),
        ('region', 'region'),
        ('country', 'country_code'),
        ('collector', 'collector_id'),
        ('customer_size_band', 'customer_size_band'),
        ('risk_tier', 'risk_tier'),
    ]) }}
{% endmacro %}


{#- The segment columns that are the customer's (every type but the
    document's company and currency): the columns a row gets from
    int_kpi_customer_period_segments, as `alias.column` separated by commas. -#}
{% macro customer_segment_columns(alias) %}
    {%- set columns = [] -%}
    {%- for segment_type, column in rpm.kpi_segment_columns() -%}
        {%- if column and column not in ('company_code', 'currency_code') -%}
            {%- do columns.append(alias ~ '.' ~ column) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ columns | join(', ') }}
{%- endmacro %}


{#- Rows of `relation` (one per customer and month: customer_id,
    month_start_date and `columns`) attributed to every period their month
    belongs to, with the customer's segment values for that period and no
    company or currency (account-level measures, counted for the ledger and
    the customer segment types only): the input of rollup_to_segments. -#}
{% macro customer_months_to_period_segments(
    relation, columns, month_periods, segments
) %}
    select
        month_periods.period_grain,
        month_periods.period_start_date,
        {%- for column in columns %}
        monthly.{{ column }},
        {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as company_code,
        cast(null as {{ dbt.type_string() }}) as currency_code,
        {{ rpm.customer_segment_columns('segments') }}
    from {{ relation }} as monthly
    inner join {{ month_periods }} as month_periods
        on monthly.month_start_date = month_periods.month_start_date
    left join {{ segments }} as segments
        on
            month_periods.period_grain = segments.period_grain
            and month_periods.period_start_date = segments.period_start_date
            and monthly.customer_id = segments.customer_id
{% endmacro %}


{#- 'sum(column) as column' for each of `columns`: the aggregates of
    rollup_to_segments for additive columns. -#}
{% macro sums_of(columns) %}
    {%- set sums = [] -%}
    {%- for column in columns -%}
        {%- do sums.append('sum(' ~ column ~ ') as ' ~ column) -%}
    {%- endfor -%}
    {{ return(sums) }}
{% endmacro %}


{#- Sum rows of `relation` (one row per period and finer keys, with the
    segment columns above) into one row per period, segment type and
    segment value (and `group_columns`), computing `aggregates` (a list of
    'expression as name'), in one pass (grouping sets). Rows without a value
    for a segment type (survey responses have no company, unidentified cash
    no customer) are left out of that type only. -#}
{% macro rollup_to_segments(relation, aggregates, group_columns=[]) %}
    {%- set segments = rpm.kpi_segment_columns() -%}
    {%- set keys = ['period_grain', 'period_start_date'] + group_columns -%}
    select *
    from (
        select
            period_grain,
            period_start_date,
            case
                {%- for segment_type, column in segments if column %}
                when grouping({{ column }}) = 0 then '{{ segment_type }}'
                {%- endfor %}
                else 'ledger'
            end as segment_type,
            case
                {%- for segment_type, column in segments if column %}
                when grouping({{ column }}) = 0 then {{ column }}
                {%- endfor %}
                else 'all'
            end as segment_value,
            {%- for group_column in group_columns %}
            {{ group_column }},
            {%- endfor %}
            {{ aggregates | join(',\n            ') }}
        from {{ relation }}
        group by grouping sets (
            {%- for segment_type, column in segments %}
            ({{ (keys + ([column] if column else [])) | join(', ') }})
            {{- ',' if not loop.last }}
            {%- endfor %}
        )
    ) as rolled_up
    where segment_value is not null
{% endmacro %}


{#- The KPIs of the marts, once: name (a column of int_kpis_by_period_segment
    and kpi_name in rpt_kpi_values), unit, and whether a benchmark row of the
    seed kpi_benchmarks judges it (one of the five RPM benchmarks that make a
    period-segment systemic when two or more are missed). -#}
{#- The additive inputs of every KPI, in order: the columns of
    int_kpi_customer_period_facts that int_kpi_segment_period_facts sums.
    Balances at the period end (ar_begin at the day before), then flows
    dated in the period, the month's billing cohort among them. -#}
{% macro kpi_fact_columns() %}
    {%- set columns = ['ar_begin', 'ar_end', 'current_ar_end', 'past_due_kpi_ar_end'] %}
    {%- for order in range(1, 7) %}
        {%- do columns.append('bucket_' ~ order ~ '_ar_end') %}
    {%- endfor %}
    {%- do columns.extend([
        'credit_balances_end', 'open_item_count_end', 'unapplied_credits_end',
        'unapplied_cash_end', 'credit_sales', 'net_credit_sales', 'settled_cash',
        'settled_credit_memos', 'settled_discounts', 'settled_other', 'write_offs',
        'recoveries', 'paid_document_count', 'paid_applied_amount',
        'paid_amount_x_days_beyond_terms', 'paid_amount_within_terms',
        'paid_amount_x_days_to_pay', 'forecast_error_document_count',
        'forecast_error_weight', 'forecast_weight_x_error_days',
        'due_baseline_weight_x_error_days', 'dbt_baseline_weight_x_error_days',
        'unforecast_paid_document_count', 'unforecast_paid_amount',
        'cohort_amount', 'cohort_at_risk_amount',
        'invoice_count', 'invoiced_amount', 'disputed_invoice_count',
        'disputed_amount', 'delivered_document_count', 'delivered_amount',
        'electronic_document_count', 'electronic_amount', 'csat_score_sum',
        'csat_response_count',
    ]) %}
    {{ return(columns) }}
{% endmacro %}


{#- One `expression as column` per column of `columns`, in order: the
    expression `values` gives for it (a dict column -> SQL, or a list of
    columns given under their own name), else 0. Keeps the branches of a
    union all, each filling a few of many additive columns, aligned. -#}
{% macro zero_filled(columns, values) %}
    {%- set given = {} %}
    {%- if values is mapping %}
        {%- do given.update(values) %}
    {%- else %}
        {%- for column in values %}
            {%- do given.update({column: column}) %}
        {%- endfor %}
    {%- endif %}
    {%- for column in columns %}
        {{ given.get(column, '0') }} as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro kpi_catalog() %}
    {{ return([
        {'name': 'dso_days', 'unit': 'days', 'rpm_benchmark': true},
        {'name': 'best_possible_dso_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'add_days', 'unit': 'days', 'rpm_benchmark': true},
        {'name': 'countback_dso_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'cei_pct', 'unit': 'percent', 'rpm_benchmark': true},
        {'name': 'cash_only_cei_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'days_beyond_terms_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'within_terms_share_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'days_to_pay_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'forecast_error_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'due_baseline_error_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'dbt_baseline_error_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'forecast_gain_vs_due_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'forecast_gain_vs_dbt_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'cohort_at_risk_rate_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'over_limit_ar_share_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'over_limit_account_count', 'unit': 'accounts', 'rpm_benchmark': false},
        {'name': 'ar_turnover', 'unit': 'times', 'rpm_benchmark': false},
        {'name': 'ar_turnover_annualised', 'unit': 'times per year', 'rpm_benchmark': false},
        {'name': 'pct_past_60', 'unit': 'percent', 'rpm_benchmark': true},
        {'name': 'bad_debt_ratio_pct', 'unit': 'percent', 'rpm_benchmark': true},
        {'name': 'dispute_rate_count_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'dispute_rate_amount_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'cash_application_lag_median_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'invoice_delivery_median_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'electronic_delivery_share_count_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'electronic_delivery_share_amount_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'dio_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'dpo_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'cash_conversion_cycle_days', 'unit': 'days', 'rpm_benchmark': false},
        {'name': 'unapplied_cash_end', 'unit': 'reporting currency', 'rpm_benchmark': false},
        {'name': 'csat_mean_score', 'unit': 'score 1-5', 'rpm_benchmark': false},
        {'name': 'largest_customer_share_pct', 'unit': 'percent', 'rpm_benchmark': false},
        {'name': 'hhi', 'unit': 'index 0-10000', 'rpm_benchmark': false},
    ]) }}
{% endmacro %}


{#- Rows of `rows` (a CTE with period_grain, period_start_date and
    customer_id) with the customer's segment values for the period from
    `segments` (int_kpi_customer_period_segments, passed by the model so that
    its parents show in its own file), and `extra_columns` of it. A left
    join: a row without a customer (unidentified cash) keeps NULL segments. -#}
{% macro with_customer_segments(rows, segments, extra_columns=[]) %}
    select
        {{ rows }}.*,
        {%- for column in extra_columns %}
        customer_segments.{{ column }},
        {%- endfor %}
        {{ rpm.customer_segment_columns('customer_segments') }}
    from {{ rows }}
    left join {{ segments }} as customer_segments
        on
            {{ rows }}.period_grain = customer_segments.period_grain
            and {{ rows }}.period_start_date = customer_segments.period_start_date
            and {{ rows }}.customer_id = customer_segments.customer_id
{%- endmacro %}
