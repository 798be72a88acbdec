-- parse_text: ISO dates only (no impossible days, no locale formats), numbers
-- with '.' as decimal point only (no thousands separators, no exponents), whole
-- integers only; at most 4 decimal places for an amount and 12 for a rate,
-- trailing zeros aside, and 18 significant digits (contract v2: never rounded
-- silently). A row here is a cell parsed differently from the expectation.

with

cases as (

    select
        cases.kind,
        cases.raw_text,
        cases.expected_text
    from (
        values
        ('date', '2024-02-29', '2024-02-29'),
        ('date', '2023-02-29', null),
        ('date', '2024-13-01', null),
        ('date', '31/12/2024', null),
        ('date', '2024-01-05 10:00:00', null),
        ('timestamp', '2024-01-05T10:11:12', '2024-01-05 10:11:12'),
        ('timestamp', 'yesterday', null),
        ('decimal', '1234.5', '1234.5000'),
        ('decimal', '-0.25', '-0.2500'),
        ('decimal', '.5', '0.5000'),
        ('decimal', '1,234.50', null),
        ('decimal', '1e3', null),
        ('decimal', '12.3.4', null),
        ('decimal', '1.23450000', '1.2345'),
        ('decimal', '1.23456', null),
        ('decimal', '123456789012345', null),
        ('rate', '1.123456789012', '1.123456789012'),
        ('rate', '0.50000000000000000', '0.500000000000'),
        ('rate', '1.1234567890123', null),
        ('rate', '123456.123456789012', '123456.123456789012'),
        ('rate', '1234567.123456789012', null),
        ('rate', '123456789012.5', '123456789012.500000000000'),
        ('rate', '0.000012345678', '0.000012345678'),
        ('integer', '30', '30'),
        ('integer', '30.0', null),
        ('integer', 'n/a', null)
    ) as cases (kind, raw_text, expected_text)

),

parsed as (

    select
        kind,
        raw_text,
        expected_text,
        {%- set text = dbt.type_string() %}
        case kind
            when 'date'
                then cast({{ parse_text('raw_text', 'date') }} as {{ text }})
            when 'timestamp'
                then cast({{ parse_text('raw_text', 'timestamp') }} as {{ text }}) -- noqa: LT05
            when 'decimal'
                then cast({{ parse_text('raw_text', 'decimal') }} as {{ text }})
            when 'rate'
                then cast({{ parse_text('raw_text', 'rate') }} as {{ text }})
            when 'integer'
                then cast({{ parse_text('raw_text', 'integer') }} as {{ text }})
        end as parsed_text
    from cases

)

select * from parsed
where
    parsed_text is distinct from expected_text
