"""The default demo ledger (2,000 customers, 36 months, seed 42) lands in
plausible B2B ranges and carries the two planted patterns, measured with the
independent reference implementation of the KPI definitions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from generated import make_extract
from reference_ledger import ReferenceLedger

MONTH_ENDS = [d.strftime("%Y-%m-%d") for d in pd.date_range("2023-01-31", "2025-12-31", freq="ME")]
QUARTER_ENDS = [
    d.strftime("%Y-%m-%d") for d in pd.date_range("2023-03-31", "2025-12-31", freq="QE")
]
DEMO = {"customers": 2000, "months": 36, "start": dt.date(2023, 1, 1), "seed": 42}


def slope(values) -> float:
    """Least-squares slope per step."""
    x = np.arange(len(values)) - (len(values) - 1) / 2
    return float((x * np.asarray(values)).sum() / (x * x).sum())


def quarterly_by_industry(ledger: ReferenceLedger) -> pd.DataFrame:
    industry = ledger.customers.set_index("customer_id")["industry"]
    return ledger.monthly_kpis(QUARTER_ENDS, industry)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "extract"
    make_extract(out, **DEMO)
    return ReferenceLedger(out)


@pytest.fixture(scope="module")
def without_patterns(tmp_path_factory):
    out = tmp_path_factory.mktemp("plain") / "extract"
    make_extract(out, **DEMO, plant_patterns=False)
    return ReferenceLedger(out)


def test_demo_kpis_land_in_plausible_b2b_ranges(demo):
    kpis = demo.monthly_kpis(MONTH_ENDS).tail(24)  # the first year ramps up
    assert 35 <= kpis["dso"].median() <= 70
    assert 75 <= kpis["cei"].median() <= 95
    assert 0.05 <= kpis["past_60_share"].median() <= 0.20
    assert 0.001 <= kpis["write_offs"].sum() / kpis["net_credit_sales"].sum() <= 0.015


def test_quality_drift_is_planted_in_technology(demo):
    last = quarterly_by_industry(demo).query("segment == 'Technology'").tail(4)
    dso, cei = last["dso"].tolist(), last["cei"].tolist()
    assert min(cei) >= 85 and max(cei) - min(cei) <= 5
    assert 3 <= slope(dso) <= 5
    assert dso[-1] > dso[-2] > dso[-3]


def test_collection_discipline_is_planted_in_retail(demo):
    last = quarterly_by_industry(demo).query("segment == 'Retail'").tail(4)
    dso, cei = last["dso"].tolist(), last["cei"].tolist()
    assert cei[0] - cei[-1] >= 5
    assert slope(dso) >= 3


def test_no_industry_shows_either_pattern_without_planting(without_patterns):
    for industry, rows in quarterly_by_industry(without_patterns).groupby("segment"):
        last = rows.tail(4)
        dso, cei = last["dso"].tolist(), last["cei"].tolist()
        drift = min(cei) >= 85 and max(cei) - min(cei) <= 5 and slope(dso) >= 3
        discipline = cei[0] - cei[-1] >= 5 and slope(dso) >= 3
        assert not drift and not discipline, industry
