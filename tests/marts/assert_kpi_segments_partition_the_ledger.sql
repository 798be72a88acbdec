-- Every segment type partitions the ledger's documents and customers, so for
-- each period its segments' AR (begin and end), current AR and credit sales
-- add up to the whole ledger's exactly (exact decimal
-- money). Returns the periods and segment types that do not.
-- Reads models private to the kpis group.
{{ config(group='kpis') }}

with

kpis as (

    select * from {{ ref('int_kpis_by_period_segment') }}

),

ledger as (

    select * from kpis
    where segment_type = 'ledger'

),

segment_sums as (

    select
        period_grain,
        period_start_date,
        segment_type,
        sum(ar_begin) as ar_begin,
        sum(ar_end) as ar_end,
        sum(current_ar_end) as current_ar_end,
        sum(credit_sales) as credit_sales
    from kpis
    where segment_type <> 'ledger'
    group by 1, 2, 3

),

final as (

    select
        segment_sums.*,
        ledger.ar_end as ledger_ar_end,
        ledger.credit_sales as ledger_credit_sales
    from segment_sums
    left join ledger
        on
            segment_sums.period_grain = ledger.period_grain
            and segment_sums.period_start_date = ledger.period_start_date
    where
        segment_sums.ar_begin <> coalesce(ledger.ar_begin, 0)
        or segment_sums.ar_end <> coalesce(ledger.ar_end, 0)
        or segment_sums.current_ar_end <> coalesce(ledger.current_ar_end, 0)
        or segment_sums.credit_sales <> coalesce(ledger.credit_sales, 0)

)

select * from final
