-- Invoice delivery per channel (v2): documents issued and days beyond terms,
-- the share within terms and days to pay of the documents paid, per period,
-- segment and delivery channel (int_kpi_delivery_channels).
select * from {{ ref('int_kpi_delivery_channels') }}
