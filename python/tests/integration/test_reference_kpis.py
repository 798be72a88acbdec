"""The wide KPI marts (rpt_kpis_monthly / _quarterly / _yearly) against an
independent pandas re-computation from the extract (reference_kpis.py), for
every period grain, segment type and segment value, column by column to the
cent (NULL must match NULL). The reference takes two figures from the
project: the risk tier scored per customer and month end (a scoring rule)
and the cash forecast's expected collection dates (whose error in days it
measures).

On the messy ledger the reference reads what the build kept (its staged and
validated rows) instead of the files: quarantine is the project's decision,
tested elsewhere (test_messy.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference_kpis import (
    COLUMNS,
    KEYS,
    MONEY,
    SEGMENT_TYPES,
    ReferenceKpis,
    inputs_from_build,
    inputs_from_folder,
)

pytestmark = pytest.mark.integration

GRAINS = {"month": "rpt_kpis_monthly", "quarter": "rpt_kpis_quarterly", "year": "rpt_kpis_yearly"}
TOLERANCE = 0.01
SHOWN = 10
STAGED = "staged"

_models: dict[tuple[str, str], ReferenceKpis] = {}
_references: dict[tuple[str, str], pd.DataFrame] = {}


def risk_tiers(build) -> pd.DataFrame:
    return build.query(
        "select customer_id, month_end_date, risk_tier from marts.fct_customer_risk_scores"
    )


def forecasts(build) -> pd.DataFrame:
    """The project's cash forecast at each month end (expected collection
    date per open document): the dates whose error in days is measured."""
    return build.query(
        "select as_of_date, document_id, expected_collection_date "
        "from intermediate.int_cash_forecast_documents "
        "where as_of_date = last_day(as_of_date)"
    )


def reference_model(build, source: Path | str) -> ReferenceKpis:
    """The reference for a build, loaded once per build: from the extract
    folder `source`, or (source 'staged') from the rows the build kept."""
    key = (str(build.database), str(source))
    if key not in _models:
        if source == STAGED:
            inputs = inputs_from_build(build.query)
        else:
            inputs = inputs_from_folder(Path(source))
        _models[key] = ReferenceKpis(inputs, risk_tiers(build), forecasts=forecasts(build))
    return _models[key]


def reference_for(build, source: Path | str) -> pd.DataFrame:
    key = (str(build.database), str(source))
    if key not in _references:
        _references[key] = reference_model(build, source).compute()
    return _references[key]


def mart_rows(build, grain: str) -> pd.DataFrame:
    return build.query(
        "select period_grain, strftime(period_start_date, '%Y-%m-%d') as period_start_date, "
        f"segment_type, segment_value, {', '.join(COLUMNS)} from marts.{GRAINS[grain]}"
    )


def differences(mart: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Every disagreement, as text: rows on one side only (a reference row
    without any fact may be absent from the mart), then per column the
    cells more than TOLERANCE apart or NULL on one side only."""
    problems = []
    merged = mart.merge(reference, on=KEYS, how="outer", suffixes=("_mart", "_ref"), indicator=True)

    def where(row) -> str:
        return f"{row.period_grain} {row.period_start_date} {row.segment_type}={row.segment_value}"

    only_mart = merged[merged["_merge"] == "left_only"]
    problems += [f"row only in the mart: {where(r)}" for r in only_mart.head(SHOWN).itertuples()]
    only_reference = merged[(merged["_merge"] == "right_only") & merged["has_facts"].eq(True)]
    problems += [
        f"row missing from the mart (the reference has facts): {where(r)}"
        for r in only_reference.head(SHOWN).itertuples()
    ]
    both = merged[merged["_merge"] == "both"]
    for column in COLUMNS:
        ours = pd.to_numeric(both[f"{column}_mart"], errors="coerce").astype(float)
        theirs = pd.to_numeric(both[f"{column}_ref"], errors="coerce").astype(float)
        far = ~np.isclose(ours.fillna(0), theirs.fillna(0), rtol=0, atol=TOLERANCE)
        bad = (ours.isna() != theirs.isna()) | (ours.notna() & theirs.notna() & far)
        if not bad.any():
            continue
        by_type = both[bad].groupby("segment_type").size().to_dict()
        problems.append(f"{column}: {int(bad.sum())} rows differ {by_type}, first:")
        problems += [
            f"  {where(r)}: mart {getattr(r, column + '_mart')!r}, "
            f"reference {getattr(r, column + '_ref')!r}"
            for r in both[bad].head(SHOWN).itertuples()
        ]
    return problems


def assert_columns_match(merged: pd.DataFrame, columns: list[str], keys: list[str]) -> None:
    """Each column of a mart merged with the reference (suffixes _mart and
    _ref) agrees within TOLERANCE, NULL with NULL."""
    for column in columns:
        ours = merged[f"{column}_mart"].astype(float)
        theirs = merged[f"{column}_ref"].astype(float)
        bad = (ours.isna() != theirs.isna()) | ~np.isclose(
            ours.fillna(0), theirs.fillna(0), rtol=0, atol=TOLERANCE
        )
        assert not bad.any(), (column, merged[bad][[*keys, f"{column}_mart", f"{column}_ref"]])


def assert_marts_match(build, source: Path | str, grain: str) -> None:
    assert build.returncode == 0, build.output[-3000:]
    reference = reference_for(build, source)
    reference = reference[reference["period_grain"] == grain]
    mart = mart_rows(build, grain)
    assert len(mart), f"marts.{GRAINS[grain]} is empty"
    assert set(mart["segment_type"]) == set(SEGMENT_TYPES)
    # The reference is not vacuous: it has money in it.
    assert np.nansum(reference[MONEY].abs().to_numpy(dtype=float)) > 0
    problems = differences(mart, reference)
    assert not problems, f"marts.{GRAINS[grain]} vs the reference:\n" + "\n".join(problems)


@pytest.mark.parametrize("grain", list(GRAINS))
def test_demo_marts_equal_the_reference(demo, grain):
    build, _ = demo
    assert_marts_match(build, build.database.parent.parent / "extract", grain)


@pytest.mark.parametrize("grain", list(GRAINS))
def test_worked_example_marts_equal_the_reference(worked, worked_example, grain):
    assert_marts_match(worked, worked_example, grain)


@pytest.mark.parametrize("grain", list(GRAINS))
def test_v2_ledger_marts_equal_the_reference(v2_ledger, grain):
    build, _ = v2_ledger
    assert_marts_match(build, build.database.parent.parent / "extract", grain)


@pytest.mark.parametrize("grain", list(GRAINS))
def test_messy_marts_equal_the_reference_on_the_staged_rows(messy, grain):
    build, _ = messy
    assert_marts_match(build, STAGED, grain)


def _micro(text) -> int | None:
    return None if text is None or pd.isna(text) else int(Decimal(text) * 1_000_000)


def assert_closing_rate_view_matches(build, source: Path | str) -> None:
    """AR per as-of date, company and currency at historical and closing
    rates, and the ledger's closing total (NULL when a currency without a
    usable quote has AR), exactly as the reference computes them."""
    assert build.returncode == 0, build.output[-3000:]
    reference = reference_model(build, source).closing_rate_ar()
    expected = {
        (r.as_of_date, r.company_code, r.currency_code): (
            int(r.units),
            int(r.micro),
            None if r.closing_micro is None or pd.isna(r.closing_micro) else int(r.closing_micro),
        )
        for r in reference.itertuples()
    }
    mart = build.query(
        "select strftime(as_of_date, '%Y-%m-%d') as as_of_date, company_code, currency_code, "
        "cast(ar_transaction as varchar) as ar_transaction, "
        "cast(ar_historical_reporting as varchar) as historical, "
        "cast(ar_closing_reporting as varchar) as closing "
        "from marts.rpt_ar_closing_rate_balances where ar_transaction <> 0"
    )
    got = {
        (r.as_of_date, r.company_code, r.currency_code): (
            int(Decimal(r.ar_transaction) * 10_000),
            _micro(r.historical),
            _micro(r.closing),
        )
        for r in mart.itertuples()
    }
    assert any(v[2] is not None for v in expected.values())
    wrong = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
    assert not wrong, [(k, expected.get(k), got.get(k)) for k in wrong[:SHOWN]]
    totals = build.query(
        "select strftime(as_of_date, '%Y-%m-%d') as as_of_date, "
        "cast(ar_closing_reporting as varchar) as closing "
        "from marts.rpt_ar_closing_rate_totals where segment_type = 'ledger'"
    )
    # A currency without a closing rate blocks the ledger's total only when
    # its AR summed over the companies is not zero.
    by_currency: dict[tuple[str, str], list] = {}
    for (day, _, currency), (units, _, closing) in expected.items():
        total = by_currency.setdefault((day, currency), [0, 0, False])
        total[0] += units
        if closing is None:
            total[2] = True
        else:
            total[1] += closing
    expected_totals: dict[str, int | None] = {}
    for (day, _), (units, closing, unrated) in by_currency.items():
        known = expected_totals.get(day, 0)
        blocked = known is None or (unrated and units != 0)
        expected_totals[day] = None if blocked else known + closing
    got_totals = {r.as_of_date: _micro(r.closing) for r in totals.itertuples()}
    assert {d: got_totals.get(d) for d in expected_totals} == expected_totals


def test_demo_closing_rate_view_equals_the_reference(demo):
    build, _ = demo
    assert_closing_rate_view_matches(build, build.database.parent.parent / "extract")
    # The view is not vacuous: some currency moved against its booking rates.
    moved = build.query(
        "select count(*) as n from marts.rpt_ar_closing_rate_balances "
        "where ar_unrealised_fx_reporting <> 0"
    )
    assert moved["n"].iloc[0] > 0
    # Credit-limit use is not vacuous either: customers are over their limit.
    over = build.query(
        "select sum(over_limit_account_count) as n, sum(limit_checked_ar_end) as ar "
        "from marts.rpt_kpis_monthly where segment_type = 'ledger'"
    )
    assert over["n"].iloc[0] > 0 and over["ar"].iloc[0] > 0


def test_v2_ledger_closing_rate_view_equals_the_reference(v2_ledger):
    build, _ = v2_ledger
    assert_closing_rate_view_matches(build, build.database.parent.parent / "extract")


def test_worked_example_closing_rate_view_equals_the_reference(worked, worked_example):
    assert_closing_rate_view_matches(worked, worked_example)


def test_messy_closing_rate_view_equals_the_reference_on_the_staged_rows(messy):
    build, _ = messy
    assert_closing_rate_view_matches(build, STAGED)


def assert_delivery_channels_match(build, source: Path | str) -> None:
    """rpt_invoice_delivery_channels for the ledger and every company, per
    period and channel, against the reference: documents issued and their
    amount, documents paid, days beyond terms and days to pay."""
    reference = reference_model(build, source).delivery_channels()
    columns = [
        "issued_document_count",
        "issued_amount",
        "paid_document_count",
        "days_beyond_terms_days",
        "days_to_pay_days",
    ]
    mart = build.query(
        "select period_grain, strftime(period_start_date, '%Y-%m-%d') as period_start_date, "
        f"segment_type, segment_value, delivery_channel, {', '.join(columns)} "
        "from marts.rpt_invoice_delivery_channels where segment_type in ('ledger', 'company')"
    )
    keys = [*KEYS, "delivery_channel"]
    merged = mart.merge(reference, on=keys, how="outer", suffixes=("_mart", "_ref"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][keys].head(SHOWN)
    assert_columns_match(merged, columns, keys)


def test_demo_delivery_channels_equal_the_reference(demo):
    build, _ = demo
    assert_delivery_channels_match(build, build.database.parent.parent / "extract")
    # Electronic delivery is paid measurably faster than paper, every year.
    years = build.query(
        "select period_start_date, delivery_channel, days_beyond_terms_days "
        "from marts.rpt_invoice_delivery_channels "
        "where segment_type = 'ledger' and period_grain = 'year'"
    ).pivot(index="period_start_date", columns="delivery_channel", values="days_beyond_terms_days")
    assert (years["paper"] - years[["email", "portal", "edi"]].max(axis=1) >= 3).all(), years


def test_messy_delivery_channels_equal_the_reference_on_the_staged_rows(messy):
    build, _ = messy
    assert_delivery_channels_match(build, STAGED)


def test_demo_cash_conversion_cycle_is_complete(demo):
    """The generator writes working capital for every company and closed
    month, so every month, quarter and year row of the ledger and each
    company has a cycle (the reference above checks its value)."""
    build, _ = demo
    for table in GRAINS.values():
        rows = build.query(
            "select segment_value, dio_days, dpo_days, cash_conversion_cycle_days, "
            f"cash_conversion_cycle_null_reason from marts.{table} "
            "where segment_type in ('ledger', 'company') and not is_partial_period"
        )
        assert len(rows) > 0 and rows["cash_conversion_cycle_days"].notna().all(), rows[
            rows["cash_conversion_cycle_days"].isna()
        ]
        assert rows["cash_conversion_cycle_null_reason"].isna().all()
        assert ((rows["dio_days"] > 0) & (rows["dpo_days"] > 0)).all()


def test_demo_billing_cohorts_equal_the_reference(demo):
    """rpt_billing_cohorts: per billing month and segment, the cohort's
    documents and amount, its positive balances at the end of m+3 and its
    net write-offs through it, against the reference's month rows."""
    build, _ = demo
    reference = reference_for(build, build.database.parent.parent / "extract")
    reference = reference[
        (reference["period_grain"] == "month") & (reference["cohort_document_count"] > 0)
    ]
    columns = [
        "cohort_document_count",
        "cohort_amount",
        "cohort_open_m3_amount",
        "cohort_net_write_offs_m3_amount",
        "cohort_at_risk_amount",
        "cohort_at_risk_rate_pct",
    ]
    mart = build.query(
        "select 'month' as period_grain, "
        "strftime(billing_month_start_date, '%Y-%m-%d') as period_start_date, "
        f"segment_type, segment_value, {', '.join(columns)} from marts.rpt_billing_cohorts"
    )
    merged = mart.merge(reference, on=KEYS, how="outer", suffixes=("_mart", "_ref"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"][KEYS].head(SHOWN)
    assert set(mart["segment_type"]) == set(SEGMENT_TYPES)
    assert_columns_match(merged, columns, KEYS)
    # Not vacuous: judged cohorts owe something at m+3 (the demo writes off
    # later than m+3; the unit test billing_cohort_at_risk_by_hand has them).
    ledger = mart[mart.segment_type == "ledger"]
    judged = ledger[ledger.cohort_at_risk_rate_pct.notna()]
    assert len(judged) >= 12
    assert (judged.cohort_open_m3_amount > 0).all()
