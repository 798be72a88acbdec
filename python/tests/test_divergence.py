"""The CEI-DSO divergence signal on hand-made quarterly series; every expected
value is worked out by hand in the comments (spec defaults: window 4, CEI
floor 85, band 5, minimum slope 3, at least 2 rising quarters)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from receivables_rpm.divergence import (
    COLLECTION_DISCIPLINE,
    NONE,
    QUALITY_DRIFT,
    Thresholds,
    classify_window,
    dso_slope,
    flag_quarters,
    rising_quarters,
)


def test_slope_is_least_squares_over_quarter_numbers():
    # x = 0..3, mean 1.5; y mean 43; sum (x - 1.5)(y - 43) = 18; sum (x - 1.5)^2 = 5.
    assert dso_slope([40, 40, 40, 52]) == pytest.approx(3.6)
    assert dso_slope([40, 43, 39, 42]) == pytest.approx(0.2)


def test_rising_quarters_counts_back_from_the_last():
    assert rising_quarters([40, 45, 50, 55]) == 3
    assert rising_quarters([50, 40, 45, 50]) == 2
    assert rising_quarters([40, 50, 45, 45]) == 0


def test_steady_series_flags_nothing():
    signal = classify_window([90, 90, 90, 90], [40, 40, 40, 40])
    assert signal.pattern == NONE
    assert signal.dso_slope == 0 and signal.rising_quarters == 0
    assert "DSO slope 0.0" in signal.reason


def test_noisy_but_flat_series_flags_nothing():
    signal = classify_window([90, 92, 89, 91], [40, 43, 39, 42])
    assert signal.pattern == NONE
    assert signal.dso_slope == pytest.approx(0.2)
    assert signal.cei_range == 3


@pytest.mark.parametrize(
    ("step", "pattern", "severity"),
    [(2, NONE, None), (3, QUALITY_DRIFT, "medium"), (5, QUALITY_DRIFT, "high")],
)
def test_dso_rising_by_2_3_and_5_days_per_quarter(step, pattern, severity):
    dso = [40 + step * q for q in range(4)]
    signal = classify_window([90, 91, 90, 92], dso)
    assert signal.dso_slope == pytest.approx(step)
    assert (signal.pattern, signal.severity) == (pattern, severity)
    assert signal.cei_min == 90 and signal.cei_range == 2 and signal.rising_quarters == 3
    if pattern == QUALITY_DRIFT:
        assert "tighten credit terms" in signal.recommended_response.lower()
    else:
        assert "DSO slope 2.0 days per quarter (< 3)" in signal.reason


def test_one_quarter_spike_is_not_a_drift():
    # Slope 3.6 passes, but DSO rose in the last quarter only.
    signal = classify_window([90, 90, 90, 90], [40, 40, 40, 52])
    assert signal.pattern == NONE
    assert signal.dso_slope == pytest.approx(3.6)
    assert signal.rising_quarters == 1
    assert signal.reason == "DSO rose in the last 1 quarters only (< 2)"


def test_cei_dipping_below_85_for_one_quarter_blocks_quality_drift():
    signal = classify_window([88, 84.5, 88, 88], [40, 43, 46, 49])
    assert signal.pattern == NONE
    assert signal.reason == "CEI below 85 (84.5)"
    assert signal.cei_change == 0


def test_cei_at_exactly_85_throughout_is_a_drift():
    assert classify_window([85, 85, 85, 85], [40, 43, 46, 49]).pattern == QUALITY_DRIFT


def test_collection_discipline():
    # CEI fell 93 -> 84 (9 points); DSO slope: deviations -6.75, -3.75, 4.25,
    # 6.25 against x - 1.5: 23.5 / 5 = 4.7 days per quarter.
    signal = classify_window([93, 90, 86, 84], [42, 45, 53, 55])
    assert signal.pattern == COLLECTION_DISCIPLINE
    assert signal.cei_change == -9
    assert signal.dso_slope == pytest.approx(4.7)
    assert signal.severity == "medium"
    assert signal.recommended_response == "Fix the collection process and coverage."
    # A fall of 10 points (twice the band) is severe.
    assert classify_window([94, 90, 86, 84], [42, 45, 53, 55]).severity == "high"


def test_cei_falling_with_flat_dso_flags_nothing():
    signal = classify_window([93, 90, 86, 84], [42, 41, 43, 42])
    assert signal.pattern == NONE


def test_collection_discipline_wins_when_cei_fell_exactly_the_band():
    # 90 -> 85: within the band (range 5) and a fall of 5: both patterns hold.
    assert classify_window([90, 90, 90, 85], [40, 43, 46, 49]).pattern == COLLECTION_DISCIPLINE


@pytest.mark.parametrize(
    ("cei", "dso", "known"),
    [
        ([None, 90, 91, 90], [None, 40, 43, 46], 3),
        ([90, None, 91, 90], [40, 43, 46, 49], 3),
        ([90, 91, 90, 92], [40, float("nan"), 46, None], 2),
    ],
)
def test_too_few_quarters_or_null_quarters_flag_nothing_and_say_why(cei, dso, known):
    signal = classify_window(cei, dso)
    assert signal.pattern == NONE
    assert signal.reason == f"only {known} of the last 4 quarters have CEI and DSO"
    assert signal.dso_slope is None


def test_thresholds_are_parameters():
    loose = Thresholds(window=3, min_slope=2, min_rising=1)
    assert classify_window([90, 90, 90], [40, 42, 44], loose).pattern == QUALITY_DRIFT
    with pytest.raises(ValueError):
        classify_window([90, 90, 90], [40, 42, 44])


def test_flag_quarters_windows_are_calendar_quarters():
    quarters = pd.DataFrame(
        {
            "segment_type": "industry",
            "segment_value": "Technology",
            "period_start_date": [
                dt.date(2024, 1, 1),
                dt.date(2024, 4, 1),
                dt.date(2024, 7, 1),
                dt.date(2024, 10, 1),
                dt.date(2025, 4, 1),  # 2025-Q1 has no row: a gap
                dt.date(2025, 7, 1),
            ],
            "is_partial_period": [False, False, False, False, False, True],
            "cei_pct": [90, 91, 90, 92, 90, 90],
            "dso_days": [40, 43, 46, 49, 50, 51],
            "active_account_count": [40, 40, 40, 30, 29, 40],
        }
    )
    flags = flag_quarters(quarters, Thresholds(warmup_quarters=0)).set_index("period_start_date")
    warm = flag_quarters(quarters).set_index("period_start_date")
    assert warm.loc[dt.date(2024, 10, 1), "reason"] == (
        "the window starts within the ledger's first 4 quarters (balances still building up)"
    )
    assert (
        flags.loc[dt.date(2024, 7, 1), "reason"] == "only 3 of the last 4 quarters have CEI and DSO"
    )
    assert flags.loc[dt.date(2024, 10, 1), "pattern"] == QUALITY_DRIFT
    assert flags.loc[dt.date(2024, 10, 1), "window_start_date"] == dt.date(2024, 1, 1)
    assert flags.loc[dt.date(2024, 10, 1), "min_active_accounts"] == 30
    assert (
        flags.loc[dt.date(2025, 4, 1), "reason"] == "only 3 of the last 4 quarters have CEI and DSO"
    )
    assert flags.loc[dt.date(2025, 7, 1), "reason"] == "the quarter is not complete yet"
    assert len(flags) == 6


def test_segments_too_small_to_judge_flag_nothing():
    # The same drift as above, but one quarter had only 29 active accounts.
    signal = classify_window([90, 91, 90, 92], [40, 43, 46, 49], accounts=[40, 29, 35, 50])
    assert signal.pattern == NONE
    assert signal.reason == "too small to judge: 29 active accounts in a quarter (< 30)"
    assert signal.min_active_accounts == 29 and signal.dso_slope is None
    judged = classify_window([90, 91, 90, 92], [40, 43, 46, 49], accounts=[40, 30, 35, 50])
    assert judged.pattern == QUALITY_DRIFT and judged.min_active_accounts == 30
