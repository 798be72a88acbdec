{#- For each contract table: its base model (single-table checks), its
    cross-table *_checked model if any, the model holding its final staged
    rows, and the key column that names a row in messages. Add a table here
    when the contract grows one. -#}
{% macro extract_table_models() %}
    {%- set checked = [
        'ar_documents', 'ar_document_lines', 'cash_receipts', 'cash_applications',
        'adjustments', 'disputes', 'collection_activities', 'promises_to_pay',
        'credit_approvals', 'customer_feedback',
    ] -%}
    {%- set keys = {
        'customers': 'customer_id', 'ar_documents': 'document_id',
        'ar_document_lines': 'document_line_id', 'cash_receipts': 'receipt_id',
        'cash_applications': 'application_id', 'adjustments': 'adjustment_id',
        'disputes': 'dispute_id', 'collection_activities': 'activity_id',
        'promises_to_pay': 'promise_id', 'credit_approvals': 'approval_id',
        'collectors': 'collector_id', 'fx_rates': 'fx_rate_id',
        'gl_ar_control_balances': 'gl_balance_id', 'cash_forecasts': 'forecast_id',
        'customer_feedback': 'response_id', 'working_capital': 'working_capital_id',
    } -%}
    {%- set models = {} -%}
    {%- for table_name, key in keys.items() -%}
        {%- do models.update({table_name: {
            'base': 'base_erp__' ~ table_name,
            'checked': ('int_' ~ table_name ~ '_checked') if table_name in checked else none,
            'final': ('int_' ~ table_name ~ '_validated') if table_name in checked
                else 'stg_erp__' ~ table_name,
            'key': key,
        }}) -%}
    {%- endfor -%}
    {{ return(models) }}
{% endmacro %}
