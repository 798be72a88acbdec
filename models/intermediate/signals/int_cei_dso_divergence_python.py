"""CEI-DSO divergence flags per quarter and segment (kpi_definitions.md,
"CEI-DSO divergence signal"), computed by receivables_rpm.divergence.flag_quarters from
the quarterly KPI mart. Thresholds are dbt vars passed through the model's
config (_kpis__models.yml). DuckDB only: other engines build the same rows
with int_cei_dso_divergence_sql, and a data test proves the two agree."""

import pandas as pd

from receivables_rpm.divergence import Thresholds, flag_quarters

COLUMNS = [
    "divergence_id",
    "segment_type",
    "segment_value",
    "period_start_date",
    "window_start_date",
    "pattern",
    "severity",
    "reason",
    "recommended_response",
    "window_quarters",
    "cei_min",
    "cei_max",
    "cei_range",
    "cei_change",
    "dso_slope",
    "rising_quarters",
    "min_active_accounts",
]


def model(dbt, session):
    dbt.config(materialized="table")
    thresholds = Thresholds(
        window=int(dbt.config.get("divergence_window")),
        cei_floor=float(dbt.config.get("divergence_cei_floor")),
        cei_band=float(dbt.config.get("divergence_cei_band")),
        min_slope=float(dbt.config.get("divergence_min_slope")),
        min_rising=int(dbt.config.get("divergence_min_rising")),
        severe_slope=float(dbt.config.get("divergence_severe_slope")),
        min_accounts=int(dbt.config.get("divergence_min_active_accounts")),
        warmup_quarters=int(dbt.config.get("divergence_warmup_quarters")),
    )
    quarters = (
        dbt.ref("int_kpis_with_status")
        .filter("period_grain = 'quarter'")
        .project(
            "segment_type, segment_value, period_start_date, is_partial_period, "
            "cei_pct, dso_days, active_account_count"
        )
        .df()
    )
    flags = flag_quarters(quarters, thresholds)
    for column in ["period_start_date", "window_start_date"]:
        flags[column] = pd.to_datetime(flags[column]).dt.date
    flags["divergence_id"] = (
        flags["segment_type"]
        + "|"
        + flags["segment_value"]
        + "|"
        + flags["period_start_date"].astype(str)
    )
    # Explicit types: a column of only NULLs (a ledger too short to judge)
    # must not be guessed as a number.
    for column in [
        "divergence_id",
        "segment_type",
        "segment_value",
        "pattern",
        "severity",
        "reason",
        "recommended_response",
    ]:
        flags[column] = flags[column].astype("string")
    for column in ["window_quarters", "rising_quarters", "min_active_accounts"]:
        flags[column] = flags[column].astype("Int32")
    for column in ["cei_min", "cei_max", "cei_range", "cei_change", "dso_slope"]:
        flags[column] = flags[column].astype("float64")
    return flags[COLUMNS]
