-- Exact money (kpi_definitions.md v2): an amount times a rate rounds half to
-- even to 6 places; an inverse quote is 1 / rate to 12 significant digits.
-- Hand-computed cases; a row here is a case computed otherwise. (Spark
-- rounds a product's exact ties half up before bround sees them, D53: the
-- tie cases are checked on DuckDB and Postgres.)

with

products as (

    select
        cases.amount_text,
        cases.rate_text,
        cases.expected_text
    from (
        values
        ('0.0001', '1.005', '0.000100'),
        ('0.0001', '1.015', '0.000102'),
        ('-0.0001', '1.005', '-0.000100'),
        ('2.5', '0.4', '1.000000'),
        ('123.4567', '1.123456789012', '138.698268'),
        ('1000000.0001', '0.000000000001', '0.000001')
    ) as cases (amount_text, rate_text, expected_text)

),

inverses as (

    select
        cases.rate_text,
        cases.expected_text
    from (
        values
        ('0.75', '1.33333333333'),
        ('125', '0.008'),
        ('3', '0.333333333333'),
        ('25000', '0.00004')
    ) as cases (rate_text, expected_text)

),

computed as (

    select
        'product' as kind,
        amount_text || ' x ' || rate_text as case_text,
        cast({{ to_reporting(
            'cast(amount_text as decimal(18, 4))', 'cast(rate_text as decimal(38, 20))'
        ) }} as decimal(38, 20)) as computed_value,
        cast(expected_text as decimal(38, 20)) as expected_value
    from products
    {%- if target.type == 'spark' %}
    where amount_text not like '%0.0001'
    {%- endif %}

    union all

    select
        'inverse' as kind,
        rate_text as case_text,
        cast(
            {{ inverse_rate('cast(rate_text as decimal(24, 12))') }}
            as decimal(38, 20)
        ) as computed_value,
        cast(expected_text as decimal(38, 20)) as expected_value
    from inverses

)

select * from computed
where computed_value <> expected_value
