-- One row per extract table and flag kind: rows that are suspicious but
-- possible in a real ERP (contract v2) are staged and flagged, never
-- quarantined. How many, and one example key to look at; the flag itself
-- is a column on the row in the ledger marts (flag_column names it).

with

flagged as (

    {#- (published mart, the core model it selects, ...): the flag column is
        named as readers find it, the rows are read from the core model. -#}
    {%- set flags = [
        ('fct_ar_documents', 'core_ar_documents',
            'ar_documents', 'due_before_document_date',
            'is_due_before_document_date', 'document_id'),
        ('fct_ar_documents', 'core_ar_documents',
            'ar_documents', 'lines_do_not_add_up',
            'is_lines_mismatch', 'document_id'),
        ('fct_ar_documents', 'core_ar_documents',
            'ar_documents', 'sent_before_document_date',
            'is_sent_before_document_date', 'document_id'),
        ('fct_ar_documents', 'core_ar_documents',
            'ar_documents', 'over_applied',
            'is_over_applied', 'document_id'),
        ('fct_cash_applications',
            'core_cash_applications',
            'cash_applications', 'dated_before_document',
            'is_dated_before_document', 'application_id'),
        ('fct_cash_receipts', 'core_cash_receipts',
            'cash_receipts', 'without_customer',
            'is_unidentified', 'receipt_id'),
    ] %}
    {%- for mart, model, table_name, flag, column, key in flags %}
        select
            '{{ table_name }}' as table_name,
            '{{ flag }}' as flag,
            '{{ mart }}.{{ column }}' as flag_column,
            count(*) as flagged_rows,
            min({{ key }}) as example_record_key
        from {{ ref(model) }}
        where {{ column }}
        {%- if not loop.last %}

            union all
        {% endif %}
    {%- endfor %}

),

final as (

    select
        table_name,
        flag,
        flag_column,
        cast(flagged_rows as {{ dbt.type_bigint() }}) as flagged_rows,
        example_record_key
    from flagged

)

select * from final
