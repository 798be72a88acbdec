-- Credit-limit use per customer at every month end and the extract date
-- (kpi_definitions.md v2): positive AR and the credit limit at the closing
-- rate, the use, over limit or not, and why a customer is left out.

select * from {{ ref('int_credit_limit_use') }}
