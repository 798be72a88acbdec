with

base as (

    select
        _raw_row_id,
        forecast_id,
        made_on_date,
        company_code,
        period_start,
        forecast_amount
    from {{ ref('base_erp__cash_forecasts') }}
    where row_status = 'staged'

),

renamed as (

    select
        forecast_id,
        made_on_date,
        company_code,
        period_start as period_start_date,
        forecast_amount as forecast_amount_reporting,
        _raw_row_id
    from base

)

select * from renamed
