-- Invoice delivery per channel (v2): per period, segment and delivery
-- channel ('(none)' where the document records none), the INV/DM issued in
-- the period with that channel, and days beyond terms, the share within
-- terms and days to pay over the documents paid in the period that were
-- delivered that way (int_ar_document_payments, the wide marts' formula per
-- channel). Segments by the document and its customer.
{%- set summed = [
    'issued_document_count', 'issued_amount', 'paid_document_count',
    'paid_applied_amount', 'paid_amount_x_days_beyond_terms',
    'paid_amount_within_terms', 'paid_amount_x_days_to_pay',
] %}

with

documents as (

    select
        document_id,
        customer_id,
        company_code,
        currency_code,
        document_type,
        document_date,
        amount_reporting,
        coalesce(delivery_channel, '(none)') as delivery_channel
    from {{ ref('core_ar_documents') }}
    where document_type in ('INV', 'DM')

),

issued as (

    select
        cast({{ dbt.date_trunc('month', 'document_date') }} as date)
            as month_start_date,
        customer_id,
        company_code,
        currency_code,
        delivery_channel,
        {{ zero_filled(summed, {
            'issued_document_count': 'count(*)',
            'issued_amount': 'sum(amount_reporting)',
        }) }}
    from documents
    group by 1, 2, 3, 4, 5

),

paid as (

    select
        cast({{ dbt.date_trunc('month', 'payments.paid_date') }} as date)
            as month_start_date,
        payments.customer_id,
        payments.company_code,
        payments.currency_code,
        documents.delivery_channel,
        {{ zero_filled(summed, {
            'paid_document_count': 'count(distinct payments.document_id)',
            'paid_applied_amount': 'sum(payments.applied_amount_reporting)',
            'paid_amount_x_days_beyond_terms':
                'sum(payments.applied_amount_reporting'
                ~ ' * payments.days_beyond_terms)',
            'paid_amount_within_terms':
                'sum(case when payments.is_within_terms'
                ~ ' then payments.applied_amount_reporting else 0 end)',
            'paid_amount_x_days_to_pay':
                'sum(payments.applied_amount_reporting * payments.days_to_pay)',
        }) }}
    from {{ ref('int_ar_document_payments') }} as payments
    inner join documents on payments.document_id = documents.document_id
    group by 1, 2, 3, 4, 5

),

monthly as (

    select * from issued
    union all
    select * from paid

),

attributed as (

    select
        month_periods.period_grain,
        month_periods.period_start_date,
        monthly.company_code,
        monthly.currency_code,
        monthly.delivery_channel,
        {%- for column in summed %}
            monthly.{{ column }},
        {%- endfor %}
        {{ customer_segment_columns('customer_segments') }}
    from monthly
    inner join {{ ref('int_kpi_month_periods') }} as month_periods
        on monthly.month_start_date = month_periods.month_start_date
    left join {{ ref('int_kpi_customer_period_segments') }} as customer_segments
        on
            month_periods.period_grain = customer_segments.period_grain
            and month_periods.period_start_date
            = customer_segments.period_start_date
            and monthly.customer_id = customer_segments.customer_id

),

rolled_up as (

    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {{ rollup_to_segments('attributed', sums_of(summed), ['delivery_channel']) }} -- noqa: PRS, LT05

),

final as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        delivery_channel,
        cast(issued_document_count as {{ dbt.type_bigint() }})
            as issued_document_count,
        {{ to_money('issued_amount') }} as issued_amount,
        cast(paid_document_count as {{ dbt.type_bigint() }})
            as paid_document_count,
        {%- for column in summed[3:] %}
            {{ to_money(column) }} as {{ column }},
        {%- endfor %}
        case
            when paid_applied_amount > 0
                then {{ ratio(
                    'paid_amount_x_days_beyond_terms', 'paid_applied_amount'
                ) }}
        end as days_beyond_terms_days,
        case
            when paid_applied_amount > 0
                then {{ ratio(
                    'paid_amount_within_terms', 'paid_applied_amount', 100
                ) }}
        end as within_terms_share_pct,
        case
            when paid_applied_amount > 0
                then {{ ratio(
                    'paid_amount_x_days_to_pay', 'paid_applied_amount'
                ) }}
        end as days_to_pay_days
    from rolled_up

)

select * from final
