-- The provision matrix applied: one row per period, segment and aging
-- bucket with the AR in the bucket at the period end, the ledger-wide loss
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

bucket_balances as (

    {%- for order in range(1, 7) %}
        select
            period_grain,
            period_start_date,
            period_end_date,
            is_partial_period,
            is_closed,
            segment_type,
            segment_value,
            {{ order }} as aging_bucket_order,
            bucket_{{ order }}_ar_end as ar_in_bucket
        from facts
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
        bucket_balances.ar_in_bucket,
        cast(loss_rates.window_month_ends as integer) as window_month_ends,
        loss_rates.exposure_amount as loss_exposure_amount,
        loss_rates.loss_amount as loss_written_off_amount,
        loss_rates.loss_rate,
        cast({{ var('forward_looking_adjustment') }} as {{ type_double() }})
            as forward_looking_adjustment,
        bucket_balances.ar_in_bucket * loss_rates.loss_rate
        * (1 + {{ var('forward_looking_adjustment') }}) as allowance_amount
    from bucket_balances
    -- Buckets the seed does not define (fewer than six) are dropped here.
    inner join loss_rates
        on
            bucket_balances.period_end_date = loss_rates.period_end_date
            and bucket_balances.aging_bucket_order
            = loss_rates.aging_bucket_order

)

select * from final
