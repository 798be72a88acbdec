-- One row per AR document (invoice, debit memo, credit memo) that passed
-- validation: amounts in document and reporting currency (historical rate of
-- the document_date), what reduced it up to the extract date, its open
-- balance then, when it was settled and how late, and its disputes.
-- Invoice and debit-memo components come from int_ar_balance_events, so
--   amount - cash_applied - credit_memo_applied - discount - written_off
--   - other_adjusted + reversed + recovered = open_amount   (tested)
-- For a credit memo, open_amount = amount (negative) + credit_applied.
-- Incremental: the restatement macros (macros/incremental_restatement.sql)
-- read what this build restates.
-- depends_on: {{ ref('int_restatement_keys') }}
-- depends_on: {{ ref('int_restatement_scope') }}
{{ config(
    materialized=rpm.restate_materialization(),
    incremental_strategy='restate',
    restate_keys=[['document', 'document_id']],
) }}

with

documents as (

    select
        document_id,
        document_number,
        document_type,
        customer_id,
        company_code,
        currency_code,
        document_date,
        posting_date,
        due_date,
        amount_document,
        tax_amount_document,
        reference_document_id,
        po_number,
        fx_rate_to_reporting,
        fx_quote_date,
        is_due_before_document_date,
        sent_date,
        delivery_channel,
        is_sent_before_document_date
    from {{ ref('int_ar_documents_validated') }}
    {{ restated_only() }}

),

balance_events as (

    select
        document_id,
        event_type,
        event_date,
        amount_document_change,
        amount_reporting_change
    from {{ ref('int_ar_balance_events') }}
    {{ restated_only() }}

),

applications as (

    select
        source_id,
        application_date,
        applied_amount_document
    from {{ ref('int_cash_applications_validated') }}
    where source_type = 'credit_memo'
    {{ restated_only([['document', 'source_id']], keyword='and') }}

),

lines as (

    select
        document_id,
        sum(line_amount_document)
        + sum(coalesce(tax_amount_document, 0)) as lines_total_document
    from {{ ref('int_ar_document_lines_validated') }}
    {{ restated_only() }}
    group by 1

),

disputes as (
    select
        document_id,
        is_open,
        disputed_amount_document
    from {{ ref('int_disputes_validated') }}
    {{ restated_only() }}

),

extract_date as (

    select extract_date from {{ ref('util_extract_date') }}

),

receivable_components as (

    select
        document_id,
        {%- for event_types, column in [
            (['cash_applied'], 'cash_applied'),
            (['credit_memo_applied'], 'credit_memo_applied'),
            (['discount'], 'discount'),
            (['write_off'], 'written_off'),
            (['reversal', 'discount_reversal'], 'reversed'),
        ] %}
            sum(
                case
                    when event_type in ('{{ event_types | join("', '") }}') -- noqa: LT05
                        then abs(amount_document_change)
                    else 0
                end
            ) as {{ column }}_document,
        {%- endfor %}
        sum(
            case
                when event_type in ('small_balance', 'other_adjustment')
                    then abs(amount_document_change)
                else 0
            end
        ) as other_adjusted_document,
        -- Signed: a reversal of the cash that recovered a write-off reopens
        -- it (v2).
        sum(
            case
                when event_type = 'recovery' then amount_document_change
                else 0
            end
        ) as recovered_document,
        sum(amount_document_change) as open_amount_document,
        sum(amount_reporting_change) as open_amount_reporting,
        max(event_date) as last_event_date
    from balance_events
    group by 1

),

credit_memo_components as (

    select
        applications.source_id as document_id,
        sum(applications.applied_amount_document) as credit_applied_document,
        max(applications.application_date) as last_event_date
    from applications
    cross join extract_date
    where applications.application_date <= extract_date.extract_date
    group by 1

),

dispute_summary as (

    select
        document_id,
        count(*) as dispute_count,
        sum(case when is_open then 1 else 0 end) as open_dispute_count,
        sum(coalesce(disputed_amount_document, 0))
            as disputed_amount_document
    from disputes
    group by 1

),

joined as (

    select
        documents.*,
        extract_date.extract_date,
        coalesce(receivable_components.cash_applied_document, 0)
            as cash_applied_document,
        coalesce(receivable_components.credit_memo_applied_document, 0)
            as credit_memo_applied_document,
        coalesce(receivable_components.discount_document, 0)
            as discount_document,
        coalesce(receivable_components.written_off_document, 0)
            as written_off_document,
        coalesce(receivable_components.other_adjusted_document, 0)
            as other_adjusted_document,
        coalesce(receivable_components.reversed_document, 0)
            as reversed_document,
        coalesce(receivable_components.recovered_document, 0)
            as recovered_document,
        coalesce(credit_memo_components.credit_applied_document, 0)
            as credit_applied_document,
        case
            when documents.document_type = 'CM'
                then documents.amount_document
                    + coalesce(
                        credit_memo_components.credit_applied_document, 0
                    )
            else coalesce(receivable_components.open_amount_document, 0)
        end as open_amount_document,
        -- AR is the sum of balance events each converted on its own, so a
        -- document's open amount in reporting currency is too: documents
        -- add up to AR exactly.
        case
            when documents.document_type = 'CM'
                then {{ to_reporting(
                    'documents.amount_document + coalesce('
                    ~ 'credit_memo_components.credit_applied_document, 0)',
                    'documents.fx_rate_to_reporting'
                ) }}
            else coalesce(
                    receivable_components.open_amount_reporting,
                    {{ to_money(0) }}
                )
        end as open_amount_reporting,
        -- Suspicious, not invalid (contract v2): lines that do not add up
        -- to the amount are flagged; the amount is what the customer owes.
        coalesce(
            abs(documents.amount_document - lines.lines_total_document)
            > {{ var('line_amount_tolerance') }},
            false
        ) as is_lines_mismatch,
        coalesce(
            receivable_components.last_event_date,
            credit_memo_components.last_event_date
        ) as last_event_date,
        coalesce(dispute_summary.dispute_count, 0) as dispute_count,
        coalesce(dispute_summary.open_dispute_count, 0) as open_dispute_count,
        coalesce(dispute_summary.disputed_amount_document, 0)
            as disputed_amount_document
    from documents
    cross join extract_date
    left join receivable_components
        on documents.document_id = receivable_components.document_id
    left join credit_memo_components
        on documents.document_id = credit_memo_components.document_id
    left join dispute_summary
        on documents.document_id = dispute_summary.document_id
    left join lines
        on documents.document_id = lines.document_id
    where documents.document_date <= extract_date.extract_date

),

final as (

    select
        document_id,
        document_number,
        document_type,
        customer_id,
        company_code,
        currency_code,
        reference_document_id,
        po_number,
        document_date,
        posting_date,
        due_date,
        fx_quote_date,
        fx_rate_to_reporting,
        cast(amount_document as decimal(18, 4)) as amount_document,
        cast(tax_amount_document as decimal(18, 4)) as tax_amount_document,
        cast(cash_applied_document as decimal(18, 4)) as cash_applied_document,
        cast(credit_memo_applied_document as decimal(18, 4))
            as credit_memo_applied_document,
        cast(discount_document as decimal(18, 4)) as discount_document,
        cast(written_off_document as decimal(18, 4)) as written_off_document,
        cast(other_adjusted_document as decimal(18, 4))
            as other_adjusted_document,
        cast(reversed_document as decimal(18, 4)) as reversed_document,
        cast(recovered_document as decimal(18, 4)) as recovered_document,
        cast(credit_applied_document as decimal(18, 4))
            as credit_applied_document,
        cast(open_amount_document as decimal(18, 4)) as open_amount_document,
        cast(dispute_count as integer) as dispute_count,
        cast(disputed_amount_document as decimal(18, 4))
            as disputed_amount_document,
        open_amount_document <> 0 as is_open,
        document_type <> 'CM' and open_amount_document < 0 as is_over_applied,
        is_due_before_document_date,
        is_lines_mismatch,
        dispute_count > 0 as has_dispute,
        open_dispute_count > 0 as has_open_dispute,
        {{ to_reporting(
            'amount_document',
            'fx_rate_to_reporting'
        ) }} as amount_reporting,
        {{ to_money('open_amount_reporting') }} as open_amount_reporting,
        -- Settled: an invoice or debit memo whose balance is zero at the
        -- extract date, on the date of its last balance event.
        case
            when document_type <> 'CM' and open_amount_document = 0
                then last_event_date
        end as settlement_date,
        case
            when document_type <> 'CM' and open_amount_document = 0
                then {{ days_between('document_date', 'last_event_date') }}
        end as days_to_pay,
        case
            when document_type <> 'CM' and open_amount_document = 0
                then {{ days_between('due_date', 'last_event_date') }}
        end as days_late,
        -- Invoice delivery (v2, optional columns): NULL where not recorded.
        sent_date,
        delivery_channel,
        {{ days_between('document_date', 'sent_date') }} as days_to_send,
        delivery_channel in ('email', 'portal', 'edi')
            as is_electronic_delivery,
        is_sent_before_document_date
    from joined

)

select * from final
