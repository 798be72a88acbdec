-- CEI-DSO divergence flags per quarter and segment in SQL: the same rows as
-- the Python model int_cei_dso_divergence_python (receivables_rpm.divergence,
-- where the rules and their readings are documented; DECISIONS D44), for
-- engines without Python models. For each quarter, the window is the
-- divergence_window (4) calendar quarters ending with it; x is a quarter's
-- place in the window (0 oldest) and the DSO slope is
-- sum((x - mean x) * dso) / sum((x - mean x)^2).
{%- set window = var('divergence_window') %}
{%- set floor_ = var('divergence_cei_floor') %}
{%- set band = var('divergence_cei_band') %}
{%- set min_slope = var('divergence_min_slope') %}
{%- set min_rising = var('divergence_min_rising') %}
{%- set severe_slope = var('divergence_severe_slope') %}
{%- set min_accounts = var('divergence_min_active_accounts') %}
{%- set warmup = var('divergence_warmup_quarters') %}
{%- set mean_x = (window - 1) / 2 %}
{%- set ns = namespace(spread=0) %}
{%- for x in range(window) %}
    {%- set ns.spread = ns.spread + (x - mean_x) ** 2 %}
{%- endfor %}

with

quarters as (

    select
        segment_type,
        segment_value,
        period_start_date,
        is_partial_period,
        cei_pct,
        dso_days,
        active_account_count,
        -- Parenthesised: dbt-spark's month datediff is a sum of two terms.
        cast(
            ({{ dbt.datediff("cast('2000-01-01' as date)", 'period_start_date',
                'month') }}) / 3 as integer
        ) as quarter_number
    from {{ ref('int_kpis_with_status') }}
    where period_grain = 'quarter'

),

ledger_start as (

    select min(quarter_number) as first_quarter_number from quarters

),

windows as (

    -- Each quarter with the quarters of its window that have a row.
    select
        evaluated.segment_type,
        evaluated.segment_value,
        evaluated.period_start_date,
        evaluated.is_partial_period,
        min(evaluated.quarter_number) - {{ window - 1 }}
        < min(ledger_start.first_quarter_number) + {{ warmup }} as is_warmup,
        count(
            case
                when member.cei_pct is not null and member.dso_days is not null
                    then 1
            end
        ) as known_quarters,
        min(member.cei_pct) as cei_min,
        min(member.active_account_count) as min_active_accounts,
        max(member.cei_pct) as cei_max,
        {%- for x in range(window) %}
            max(
                case
                    when
                        member.quarter_number
                        = evaluated.quarter_number - {{ window - 1 - x }}
                        then member.cei_pct
                end
            ) as cei_{{ x }},
            max(
                case
                    when
                        member.quarter_number
                        = evaluated.quarter_number - {{ window - 1 - x }}
                        then member.dso_days
                end
            ) as dso_{{ x }},
        {%- endfor %}
        count(*) as window_rows
    from quarters as evaluated
    inner join quarters as member
        on
            evaluated.segment_type = member.segment_type
            and evaluated.segment_value = member.segment_value
            and member.quarter_number
            between evaluated.quarter_number - {{ window - 1 }}
            and evaluated.quarter_number
    cross join ledger_start
    group by 1, 2, 3, 4

),

evidence as (

    select
        segment_type,
        segment_value,
        period_start_date,
        is_partial_period,
        is_warmup,
        known_quarters,
        min_active_accounts,
        {{ dbt.dateadd('month', -3 * (window - 1), 'period_start_date') }}
            as window_start_date,
        cei_min,
        cei_max,
        cei_max - cei_min as cei_range,
        cei_{{ window - 1 }} - cei_0 as cei_change,
        (
            {%- for x in range(window) %}
                {{ x - mean_x }} * dso_{{ x }}{{ ' +' if not loop.last }}
            {%- endfor %}
        ) / {{ ns.spread }} as dso_slope,
        case
            {%- for back in range(window - 1) %}
                when
                    not (
                        dso_{{ window - 1 - back }}
                        > dso_{{ window - 2 - back }}
                    )
                    then {{ back }}
            {%- endfor %}
            else {{ window - 1 }}
        end as rising_quarters
    from windows

),

classified as (

    select
        *,
        case
            when
                is_partial_period
                or is_warmup
                or known_quarters < {{ window }}
                or min_active_accounts < {{ min_accounts }}
                then 'none'
            when
                dso_slope >= {{ min_slope }}
                and -cei_change >= {{ band }}
                then 'collection_discipline'
            when
                cei_min >= {{ floor_ }}
                and cei_range <= {{ band }}
                and dso_slope >= {{ min_slope }}
                and rising_quarters >= {{ min_rising }}
                then 'quality_drift'
            else 'none'
        end as pattern
    from evidence

),

final as (

    select
        {{ dbt.concat([
            'segment_type', "'|'", 'segment_value', "'|'",
            dbt.cast('period_start_date', dbt.type_string()),
        ]) }} as divergence_id,
        segment_type,
        segment_value,
        period_start_date,
        cast(window_start_date as date) as window_start_date,
        pattern,
        case
            when
                pattern = 'collection_discipline'
                and (
                    dso_slope >= {{ severe_slope }}
                    or -cei_change >= {{ 2 * band }}
                )
                then 'high'
            when
                pattern = 'quality_drift' and dso_slope >= {{ severe_slope }}
                then 'high'
            when pattern <> 'none' then 'medium'
        end as severity,
        case
            when is_partial_period then 'the quarter is not complete yet'
            when known_quarters < {{ window }}
                then
                    'only '
                    || cast(known_quarters as {{ dbt.type_string() }})
                    || ' of the last {{ window }} quarters have CEI and DSO'
            when is_warmup
                then
                    'the window starts within the ledger''s first '
                    || '{{ warmup }} quarters (balances still building up)'
            when min_active_accounts < {{ min_accounts }}
                then
                    'too small to judge: '
                    || cast(min_active_accounts as {{ dbt.type_string() }})
                    || ' active accounts in a quarter (< {{ min_accounts }})'
            when pattern = 'collection_discipline'
                then
                    'CEI fell ' || {{ format_one_decimal('- cei_change') }}
                    || ' points while DSO rose '
                    || {{ format_one_decimal('dso_slope') }}
                    || ' days per quarter'
            when pattern = 'quality_drift'
                then
                    'CEI held at ' || {{ format_one_decimal('cei_min') }}
                    || ' or above while DSO rose '
                    || {{ format_one_decimal('dso_slope') }}
                    || ' days per quarter'
            else
                concat_ws(
                    '; ',
                    case
                        when cei_min < {{ floor_ }}
                            then
                                'CEI below {{ floor_ }} ('
                                || {{ format_one_decimal('cei_min') }} || ')'
                    end,
                    case
                        when cei_range > {{ band }}
                            then
                                'CEI moved '
                                || {{ format_one_decimal('cei_range') }}
                                || ' points (> {{ band }})'
                    end,
                    case
                        when dso_slope < {{ min_slope }}
                            then
                                'DSO slope '
                                || {{ format_one_decimal('dso_slope') }}
                                || ' days per quarter (< {{ min_slope }})'
                    end,
                    case
                        when rising_quarters < {{ min_rising }}
                            then
                                'DSO rose in the last '
                                || cast(
                                    rising_quarters as {{ dbt.type_string() }}
                                )
                                || ' quarters only (< {{ min_rising }})'
                    end
                )
        end as reason,
        case pattern
            when 'quality_drift'
                then
                    'Tighten credit terms on new accounts or insure the '
                    || 'at-risk segment; more collection pressure is the '
                    || 'wrong lever.'
            when 'collection_discipline'
                then 'Fix the collection process and coverage.'
        end as recommended_response,
        cast(
            case
                when is_partial_period then 0
                when known_quarters < {{ window }} then known_quarters
                when is_warmup then 0
                else {{ window }}
            end as integer
        ) as window_quarters,
        {%- for column in [
            'cei_min', 'cei_max', 'cei_range', 'cei_change', 'dso_slope',
        ] %}
            case
                when
                    not is_partial_period
                    and not is_warmup
                    and known_quarters = {{ window }}
                    and min_active_accounts >= {{ min_accounts }}
                    then {{ column }}
            end as {{ column }},
        {%- endfor %}
        cast(
            case
                when
                    not is_partial_period
                    and not is_warmup
                    and known_quarters = {{ window }}
                    and min_active_accounts >= {{ min_accounts }}
                    then rising_quarters
            end as integer
        ) as rising_quarters,
        cast(
            case
                when
                    not is_partial_period
                    and not is_warmup
                    and known_quarters = {{ window }}
                    then min_active_accounts
            end as integer
        ) as min_active_accounts
    from classified

)

select * from final
