{#- Incremental builds (docs/incremental.md). The raw loader records which
    raw rows a new extract removed and added (raw._changed_rows);
    int_restatement_keys turns them into the records, customers, documents
    and receipts whose derived rows may change. An incremental model
    declares how its rows map to those keys:

        config(materialized=rpm.restate_materialization(), incremental_strategy='restate',
               restate_keys=[['document', 'document_id']])

    and reads only the restated inputs (`restated_only()`); the 'restate'
    strategy deletes the model's restated rows and inserts their new
    versions. A full refresh (or the first build) builds everything. -#}


{#- 'incremental', or 'table' on Spark: without Delta a Spark table cannot
    delete rows, and its loads are whole anyway (every build restates
    everything), so these models are rebuilt whole there. -#}
{% macro restate_materialization() %}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{% endmacro %}


{#- SQL: true for a row whose restate_keys point to a restated key, or for
    every row when the whole ledger is restated. key types: record (the
    model's own contract table, by record_key), customer, document, receipt. -#}
{% macro restated_rows(restate_keys=none) %}
    {%- set restate_keys = restate_keys or config.get('restate_keys') -%}
    {%- set conditions = [] -%}
    {%- for key_type, column in restate_keys -%}
        {%- if key_type.startswith('record:') -%}
            {%- do conditions.append(column ~ " in (select record_key from "
                ~ source('rpm_load', '_changed_rows') ~ " where table_name = '"
                ~ key_type[7:] ~ "')") -%}
            {%- do conditions.append("not (select is_incremental from "
                ~ source('rpm_load', '_load_state') ~ ")") -%}
        {%- else -%}
            {%- do conditions.append(column ~ " in (select restated_key from "
                ~ ref('int_restatement_keys') ~ " where key_type = '" ~ key_type ~ "')") -%}
            {%- do conditions.append("(select restates_everything from "
                ~ ref('int_restatement_scope') ~ ")") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('(' ~ conditions | unique | join('\n        or ') ~ ')') }}
{% endmacro %}


{#- `where <restated_rows()>` (or `and ...`) in an incremental run, nothing
    otherwise. -#}
{% macro restated_only(restate_keys=none, keyword='where') %}
    {%- if not execute -%}
        {#- Parsing (the model's config is not readable yet): declare what
            the compiled SQL reads. -#}
        {%- do rpm.restated_rows(restate_keys or [['customer', 'customer_id']]) -%}
    {%- elif is_incremental() -%}
        {{ keyword }} {{ rpm.restated_rows(restate_keys) }}
    {%- endif -%}
{% endmacro %}


{#- Snapshot inputs: `where` the row's keys are restated or its as-of date
    is on or after the frontier, in an incremental run. -#}
{% macro restated_or_after_frontier(as_of_column='as_of_date') %}
    {%- if not execute -%}
        {#- Parsing: declare what the compiled SQL reads. -#}
        {%- do rpm.restated_rows([['document', 'document_id']]) -%}
        {%- do rpm.restatement_frontier() -%}
    {%- elif is_incremental() -%}
        where {{ rpm.restated_rows_or_after_frontier(as_of_column) }}
    {%- endif -%}
{% endmacro %}


{#- SQL: restated_rows(), or as_of_column on or after the frontier. -#}
{% macro restated_rows_or_after_frontier(as_of_column) %}
    {{- '(' ~ rpm.restated_rows() ~ ' or ' ~ as_of_column ~ ' >= '
        ~ rpm.restatement_frontier() ~ ')' -}}
{% endmacro %}


{#- Snapshot models: `where` the event's key is restated, in an incremental
    run; every key when the extract date moved back (the frontier is then
    the new extract date, and carried-forward balances would be wrong). -#}
{% macro restated_snapshot_keys() %}
    {%- if not execute -%}
        {%- do rpm.restated_rows([['document', 'document_id']]) -%}
        {%- do rpm.restatement_frontier() -%}
    {%- elif is_incremental() -%}
        where {{ rpm.restated_rows() }} or {{ rpm.extract_date_moved_back() }}
    {%- endif -%}
{% endmacro %}


{% macro extract_date_moved_back() %}
    (select dates.extract_date < scope.previous_extract_date
    from {{ ref('int_restatement_scope') }} as scope
    cross join {{ ref('util_extract_date') }} as dates)
{% endmacro %}


{#- Snapshot models, incremental run: the stored rows (alias `stored`) of
    keys that are not restated, at the previous extract date, repeated at
    every as-of date from the frontier on. Such a key has no event after the
    previous extract date (a later event is a changed row, which restates
    its key), so its balance there holds. -#}
{% macro carried_forward_as_of_dates(stored) %}
    cross join (
        select as_of_date from {{ ref('int_as_of_dates') }}
        where as_of_date >= {{ rpm.restatement_frontier() }}
    ) as as_of_dates
    where
        {{ stored }}.as_of_date
        = (select previous_extract_date from {{ ref('int_restatement_scope') }})
        and not {{ rpm.restated_rows() }}
        and not {{ rpm.extract_date_moved_back() }}
{% endmacro %}


{#- The earliest as-of date an extract can have changed for every key: the
    earlier of the previous and the current extract date. Snapshot models
    restate all as-of dates of restated keys and, for every other key, the
    as-of dates from here on (they moved with the extract date). -#}
{% macro restatement_frontier() %}
    (select least(scope.previous_extract_date, dates.extract_date)
    from {{ ref('int_restatement_scope') }} as scope
    cross join {{ ref('util_extract_date') }} as dates)
{% endmacro %}


{#- The 'restate' incremental strategy: delete the restated rows (config
    restate_keys, and as_of_column >= the frontier for snapshots), insert
    the model's new rows. -#}
{% macro get_incremental_restate_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    {%- set as_of_column = config.get('restate_as_of_column') -%}
    {%- set condition = rpm.restated_rows_or_after_frontier(as_of_column)
        if as_of_column else rpm.restated_rows() -%}
    delete from {{ target }} where {{ condition }};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}
