-- The provision matrix applied: one row per period, segment and aging
-- bucket with the positive AR in the bucket at the period end (v2: an
-- over-applied document carries no allowance), the ledger-wide loss
-- rate of the bucket at that date (int_allowance_loss_rates) and the
-- allowance it requires: AR in bucket * loss rate
-- * (1 + forward_looking_adjustment).

with

facts as (

    select * from {{ ref('int_kpi_segment_period_facts') }}

),

loss_rates as (

    select * from {{ ref('int_allowance_loss_rates') }}

),

positive_balances as (

    {%- set summed = ['sum(positive_ar_in_bucket) as ar_in_bucket'] %}
    {#- sqlfluff's DuckDB dialect cannot parse GROUPING SETS yet. #}
    {%- set bucket_balances = ref('int_allowance_bucket_balances') %}
    {{ rollup_to_segments(bucket_balances, summed, ['aging_bucket_order']) }} -- noqa: PRS, LT05

),

bucket_balances as (

    -- Every period, segment and bucket; AR in the bucket is the positive
    -- balances only (v2), 0 where there are none.
    {%- for order in range(1, 7) %}
        select
            facts.period_grain,
            facts.period_start_date,
            facts.period_end_date,
            facts.is_partial_period,
            facts.is_closed,
            facts.segment_type,
            facts.segment_value,
            {{ order }} as aging_bucket_order,
            coalesce(positive_balances.ar_in_bucket, {{ to_money(0) }})
                as ar_in_bucket
        from facts
        left join positive_balances
            on
                facts.period_grain = positive_balances.period_grain
                and facts.period_start_date
                = positive_balances.period_start_date
                and facts.segment_type = positive_balances.segment_type
                and facts.segment_value = positive_balances.segment_value
                and positive_balances.aging_bucket_order = {{ order }}
        {%- if not loop.last %}

            union all
        {% endif %}
    {%- endfor %}

),

final as (

    select
        {{ dbt.concat([
            'bucket_balances.period_grain', "'|'",
            dbt.cast('bucket_balances.period_start_date', dbt.type_string()), "'|'",
            'bucket_balances.segment_type', "'|'",
            'bucket_balances.segment_value', "'|'",
            'loss_rates.aging_bucket',
        ]) }} as allowance_bucket_id,
        bucket_balances.period_grain,
        bucket_balances.period_start_date,
        bucket_balances.period_end_date,
        bucket_balances.is_partial_period,
        bucket_balances.is_closed,
        bucket_balances.segment_type,
        bucket_balances.segment_value,
        loss_rates.aging_bucket,
        cast(bucket_balances.aging_bucket_order as integer)
            as aging_bucket_order,
        {{ to_money('bucket_balances.ar_in_bucket') }} as ar_in_bucket,
        cast(loss_rates.window_month_ends as integer) as window_month_ends,
        {{ to_money('loss_rates.exposure_amount') }} as loss_exposure_amount,
        {{ to_money('loss_rates.loss_amount') }} as loss_written_off_amount,
        loss_rates.loss_rate,
        cast({{ var('forward_looking_adjustment') }} as {{ type_double() }})
            as forward_looking_adjustment,
        {{ to_money(
            "bucket_balances.ar_in_bucket * loss_rates.loss_rate * (1 + "
            ~ var('forward_looking_adjustment') ~ ")"
        ) }} as allowance_amount
    from bucket_balances
    -- Buckets the seed does not define (fewer than six) are dropped here.
    inner join loss_rates
        on
            bucket_balances.period_end_date = loss_rates.period_end_date
            and bucket_balances.aging_bucket_order
            = loss_rates.aging_bucket_order

)

select * from final
