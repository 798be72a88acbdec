-- Allowance for doubtful accounts per period and segment: the provision
-- matrix total (rpt_allowance_by_bucket), the simple loss-rate method beside
-- it (not added), and the two adequacy flags of kpi_definitions.md, period
-- over period within the same grain and segment. The allowance is NULL
-- when a bucket holding AR has no loss rate yet (no month end in the
-- lookback window had AR in it, e.g. a ledger shorter than
-- loss_emergence_months + 1 months).

with

buckets as (

    select * from {{ ref('int_allowance_by_bucket') }}

),

facts as (

    select * from {{ ref('int_kpi_segment_period_facts') }}

),

periods as (

    select * from {{ ref('int_kpi_periods') }}

),

ledger_months as (

    select
        period_start_date as month_start_date,
        net_credit_sales,
        write_offs - recoveries as net_write_offs
    from facts
    where period_grain = 'month' and segment_type = 'ledger'

),

simple_rates as (

    -- Ledger-wide bad debt ratio over the lookback, a ratio of sums (v2):
    -- net write-offs / net credit sales of the loss_lookback_months months
    -- up to the period's month.
    select
        periods.period_grain,
        periods.period_start_date,
        sum(ledger_months.net_write_offs) as lookback_write_offs,
        sum(ledger_months.net_credit_sales) as lookback_net_credit_sales
    from periods
    inner join ledger_months
        on
            ledger_months.month_start_date >= {{ dbt.dateadd(
                'month', 1 - var('loss_lookback_months'),
                'periods.end_month_start_date') }}
            and periods.end_month_start_date >= ledger_months.month_start_date
    group by 1, 2

),

matrix as (

    select
        period_grain,
        period_start_date,
        segment_type,
        segment_value,
        sum(allowance_amount) as allowance_amount,
        count(
            case when ar_in_bucket <> 0 and loss_rate is null then 1 end
        ) as buckets_without_rate
    from buckets
    group by 1, 2, 3, 4

),

combined as (

    select
        facts.period_grain,
        facts.period_start_date,
        facts.period_end_date,
        facts.is_partial_period,
        facts.is_closed,
        facts.segment_type,
        facts.segment_value,
        facts.ar_end,
        facts.credit_balances_end,
        simple_rates.lookback_write_offs,
        simple_rates.lookback_net_credit_sales,
        case
            when matrix.buckets_without_rate = 0 then matrix.allowance_amount
        end as allowance_amount,
        case
            when simple_rates.lookback_net_credit_sales > 0
                then {{ ratio(
                    'simple_rates.lookback_write_offs',
                    'simple_rates.lookback_net_credit_sales'
                ) }}
        end as lookback_bad_debt_ratio
    from facts
    inner join matrix
        on
            facts.period_grain = matrix.period_grain
            and facts.period_start_date = matrix.period_start_date
            and facts.segment_type = matrix.segment_type
            and facts.segment_value = matrix.segment_value
    left join simple_rates
        on
            facts.period_grain = simple_rates.period_grain
            and facts.period_start_date = simple_rates.period_start_date

),

with_previous as (

    select
        *,
        -- Only positive balances carry an allowance (v2): AR without the
        -- over-applied documents' credit balances.
        {{ to_money(
            "lookback_bad_debt_ratio * (ar_end - credit_balances_end)"
        ) }}
            as simple_method_allowance_amount,
        lag(allowance_amount) over (
            partition by period_grain, segment_type, segment_value
            order by period_start_date
        ) as previous_allowance_amount,
        lag(ar_end) over (
            partition by period_grain, segment_type, segment_value
            order by period_start_date
        ) as previous_ar_end
    from combined

),

final as (

    select
        {{ dbt.concat([
            'period_grain', "'|'",
            dbt.cast('period_start_date', dbt.type_string()), "'|'",
            'segment_type', "'|'", 'segment_value',
        ]) }} as allowance_id,
        period_grain,
        period_start_date,
        period_end_date,
        is_partial_period,
        is_closed,
        segment_type,
        segment_value,
        ar_end,
        allowance_amount,
        case
            when ar_end > 0 then {{ ratio('allowance_amount', 'ar_end', 100) }}
        end as allowance_coverage_pct,
        lookback_write_offs,
        lookback_net_credit_sales,
        lookback_bad_debt_ratio,
        simple_method_allowance_amount,
        previous_allowance_amount,
        previous_ar_end,
        case
            when previous_allowance_amount > 0
                then {{ ratio(
                    'allowance_amount - previous_allowance_amount',
                    'previous_allowance_amount',
                    100
                ) }}
        end as allowance_change_pct,
        case
            when previous_ar_end > 0
                then {{ ratio(
                    'ar_end - previous_ar_end',
                    'previous_ar_end',
                    100
                ) }}
        end as ar_change_pct,
        coalesce(
            previous_allowance_amount > 0
            and previous_ar_end > 0
            and abs(allowance_amount - previous_allowance_amount) * 100
            < {{ var('allowance_flat_change_pct') }} * previous_allowance_amount
            and (ar_end - previous_ar_end) * 100
            > {{ var('allowance_ar_growth_pct') }} * previous_ar_end,
            false
        ) as is_likely_under_reserved,
        coalesce(
            previous_allowance_amount > 0
            and abs(allowance_amount - previous_allowance_amount) * 100
            > {{ var('allowance_swing_pct') }} * previous_allowance_amount,
            false
        ) as is_likely_managed_to_earnings
    from with_previous

)

select * from final
