-- Provision-matrix loss rates (kpi_definitions.md, "Allowance for doubtful
-- accounts"), ledger-wide, one row per period end and aging bucket:
--   loss rate of bucket b at period end P =
--     sum over month ends m in P's window of the amounts of documents in
--     bucket b at m that were later written off (each document's write-offs
--     dated after m and on or before P, capped at its balance at m)
--   / sum over the same m of all amounts in bucket b.
-- P's window: the loss_lookback_months (36) month ends up to P's month,
-- without the last loss_emergence_months (12), which have not had time to
-- be written off. Only write-offs known at P count, so a past period's
-- rates are the ones that could have been computed then.

with

period_ends as (

    select distinct
        period_end_date,
        end_month_start_date
    from {{ ref('int_kpi_periods') }}

),

month_ends as (

    select
        as_of_date as month_end_date,
        month_start_date
    from {{ ref('int_as_of_dates') }}
    where is_month_end

),

windows as (

    select
        period_ends.period_end_date,
        month_ends.month_end_date
    from period_ends
    inner join month_ends
        on
            month_ends.month_start_date >= {{ dbt.dateadd(
                'month', 1 - var('loss_lookback_months'),
                'period_ends.end_month_start_date') }}
            and month_ends.month_start_date <= {{ dbt.dateadd(
                'month', -var('loss_emergence_months'),
                'period_ends.end_month_start_date') }}

),

snapshots as (

    select
        as_of_date,
        document_id,
        aging_bucket_order,
        open_amount_reporting
    from {{ ref('core_ar_aging_snapshots') }}
    -- Only positive balances are exposed to loss (v2): an over-applied
    -- document owes nothing.
    where is_month_end and open_amount_reporting > 0

),

bucket_totals as (

    select
        as_of_date,
        aging_bucket_order,
        sum(open_amount_reporting) as bucket_amount
    from snapshots
    group by 1, 2

),

write_offs as (

    select
        document_id,
        event_date,
        -amount_reporting_change as write_off_amount
    from {{ ref('int_ar_balance_events') }}
    where event_type = 'write_off'

),

later_write_offs as (

    -- Per window month end and open document that some write-off reduced:
    -- its write-offs dated after the month end, up to the period end.
    select
        windows.period_end_date,
        snapshots.as_of_date,
        snapshots.aging_bucket_order,
        snapshots.document_id,
        max(snapshots.open_amount_reporting) as open_amount_reporting,
        sum(write_offs.write_off_amount) as later_write_off_amount
    from windows
    inner join snapshots on windows.month_end_date = snapshots.as_of_date
    inner join write_offs on snapshots.document_id = write_offs.document_id
    where
        write_offs.event_date > snapshots.as_of_date
        and write_offs.event_date <= windows.period_end_date
    group by 1, 2, 3, 4

),

losses as (

    select
        period_end_date,
        aging_bucket_order,
        sum(
            case
                when later_write_off_amount < open_amount_reporting
                    then later_write_off_amount
                else open_amount_reporting
            end
        ) as loss_amount
    from later_write_offs
    where open_amount_reporting > 0
    group by 1, 2

),

exposures as (

    select
        windows.period_end_date,
        bucket_totals.aging_bucket_order,
        sum(bucket_totals.bucket_amount) as exposure_amount
    from windows
    inner join
        bucket_totals
        on windows.month_end_date = bucket_totals.as_of_date
    group by 1, 2

),

window_sizes as (

    select
        period_end_date,
        count(*) as window_month_ends,
        min(month_end_date) as window_first_month_end,
        max(month_end_date) as window_last_month_end
    from windows
    group by 1

),

final as (

    select
        period_ends.period_end_date,
        buckets.bucket_order as aging_bucket_order,
        buckets.aging_bucket,
        window_sizes.window_first_month_end,
        window_sizes.window_last_month_end,
        coalesce(window_sizes.window_month_ends, 0) as window_month_ends,
        coalesce(exposures.exposure_amount, 0) as exposure_amount,
        coalesce(losses.loss_amount, 0) as loss_amount,
        case
            when exposures.exposure_amount > 0
                then {{ ratio(
                    'coalesce(losses.loss_amount, 0)',
                    'exposures.exposure_amount'
                ) }}
        end as loss_rate
    from period_ends
    cross join {{ ref('aging_buckets') }} as buckets
    left join window_sizes
        on period_ends.period_end_date = window_sizes.period_end_date
    left join exposures
        on
            period_ends.period_end_date = exposures.period_end_date
            and buckets.bucket_order = exposures.aging_bucket_order
    left join losses
        on
            period_ends.period_end_date = losses.period_end_date
            and buckets.bucket_order = losses.aging_bucket_order

)

select * from final
