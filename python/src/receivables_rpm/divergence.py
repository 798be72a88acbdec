"""The CEI-DSO divergence signal of kpi_definitions.md, as a pure function.

Quarterly, per segment, over the `window` quarters ending with each quarter:

- quality drift: CEI >= `cei_floor` (85) in every quarter, max - min CEI <=
  `cei_band` (5 points), the least-squares slope of DSO >= `min_slope` (3
  days per quarter), and DSO rose quarter over quarter in each of at least
  the last `min_rising` (2) quarters. Collection still works; the mix has
  shifted to slower payers.
- collection discipline: CEI fell by at least `cei_band` points from the
  window's first quarter to its last, while the DSO slope >= `min_slope`.
- neither: pattern 'none' with the reason.

Readings of what the spec leaves open (DECISIONS D44): the window is
`window` consecutive calendar quarters, all with CEI and DSO (a quarter not
yet complete is not judged); a segment with fewer than `min_accounts` (30)
active accounts in a quarter of the window is too small to judge (its DSO
swings by weeks from quarter to quarter); a window starting within the
ledger's first `warmup_quarters` (4) quarters is not judged (an extract
without opening balances builds up its overdue tail over about a year, which
looks like rising DSO);
collection discipline wins when both patterns hold (possible only when CEI
fell by exactly `cei_band`); severity is 'high' when the DSO slope reaches
`severe_slope` (5 days per quarter, the top of the issue's 3-5 day drift)
or, for collection discipline, CEI fell by twice `cei_band`; else 'medium'.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

QUALITY_DRIFT = "quality_drift"
COLLECTION_DISCIPLINE = "collection_discipline"
NONE = "none"

RESPONSES = {
    QUALITY_DRIFT: (
        "Tighten credit terms on new accounts or insure the at-risk segment; "
        "more collection pressure is the wrong lever."
    ),
    COLLECTION_DISCIPLINE: "Fix the collection process and coverage.",
}


@dataclass(frozen=True)
class Thresholds:
    window: int = 4
    cei_floor: float = 85.0
    cei_band: float = 5.0
    min_slope: float = 3.0
    min_rising: int = 2
    severe_slope: float = 5.0
    min_accounts: int = 30
    warmup_quarters: int = 4


DEFAULTS = Thresholds()


@dataclass(frozen=True)
class Signal:
    """The flag for the window ending with one quarter, with its evidence."""

    pattern: str
    reason: str
    severity: str | None = None
    recommended_response: str | None = None
    window_quarters: int = 0
    cei_min: float | None = None
    cei_max: float | None = None
    cei_range: float | None = None
    cei_change: float | None = None
    dso_slope: float | None = None
    rising_quarters: int | None = None
    min_active_accounts: int | None = None


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def dso_slope(dso: list[float]) -> float:
    """Least-squares slope of DSO against the quarter number 0, 1, 2, ...:
    sum((x - mean x) * y) / sum((x - mean x)^2) (the SQL model's formula)."""
    mean_x = (len(dso) - 1) / 2
    spread = sum((x - mean_x) ** 2 for x in range(len(dso)))
    return sum((x - mean_x) * y for x, y in enumerate(dso)) / spread


def one_decimal(value: float) -> str:
    """value rounded half away from zero to one decimal, as the SQL model
    prints it (cast to decimal(18, 1)); never '-0.0'."""
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(rounded if rounded != 0 else Decimal("0.0"))


def rising_quarters(dso: list[float]) -> int:
    """How many of the last quarters in a row had a higher DSO than the one
    before (0 to len(dso) - 1)."""
    count = 0
    for later, earlier in zip(reversed(dso), list(reversed(dso))[1:], strict=False):
        if later > earlier:
            count += 1
        else:
            break
    return count


def classify_window(
    cei: list[float | None],
    dso: list[float | None],
    thresholds: Thresholds = DEFAULTS,
    accounts: list[int | None] | None = None,
    in_warmup: bool = False,
) -> Signal:
    """Flag one window: `cei` and `dso` hold the `window` calendar quarters
    ending with the one evaluated, oldest first, None where a quarter has no
    value (or no row: before the ledger starts, or no activity); `accounts`
    the segment's active accounts per quarter (None: not checked);
    `in_warmup` when the window starts within the ledger's first
    `warmup_quarters` quarters."""
    t = thresholds
    if len(cei) != t.window or len(dso) != t.window:
        raise ValueError(f"a window is {t.window} quarters, got {len(cei)} and {len(dso)}")
    known = sum(not _missing(c) and not _missing(d) for c, d in zip(cei, dso, strict=True))
    if known < t.window:
        return Signal(
            NONE,
            f"only {known} of the last {t.window} quarters have CEI and DSO",
            window_quarters=known,
        )
    if in_warmup:
        return Signal(
            NONE,
            f"the window starts within the ledger's first {t.warmup_quarters} quarters "
            "(balances still building up)",
        )
    fewest = None if accounts is None else min(int(a) for a in accounts)
    if fewest is not None and fewest < t.min_accounts:
        return Signal(
            NONE,
            f"too small to judge: {fewest} active accounts in a quarter (< {t.min_accounts})",
            window_quarters=known,
            min_active_accounts=fewest,
        )
    cei, dso = [float(c) for c in cei], [float(d) for d in dso]
    evidence = {
        "window_quarters": t.window,
        "cei_min": min(cei),
        "cei_max": max(cei),
        "cei_range": max(cei) - min(cei),
        "cei_change": cei[-1] - cei[0],
        "dso_slope": dso_slope(dso),
        "rising_quarters": rising_quarters(dso),
        "min_active_accounts": fewest,
    }
    cei_fall = -evidence["cei_change"]
    slope_ok = evidence["dso_slope"] >= t.min_slope
    if slope_ok and cei_fall >= t.cei_band:
        severe = evidence["dso_slope"] >= t.severe_slope or cei_fall >= 2 * t.cei_band
        return Signal(
            COLLECTION_DISCIPLINE,
            f"CEI fell {one_decimal(cei_fall)} points while DSO rose "
            f"{one_decimal(evidence['dso_slope'])} days per quarter",
            "high" if severe else "medium",
            RESPONSES[COLLECTION_DISCIPLINE],
            **evidence,
        )
    failed = []
    if evidence["cei_min"] < t.cei_floor:
        failed.append(f"CEI below {t.cei_floor:g} ({one_decimal(evidence['cei_min'])})")
    if evidence["cei_range"] > t.cei_band:
        failed.append(f"CEI moved {one_decimal(evidence['cei_range'])} points (> {t.cei_band:g})")
    if not slope_ok:
        failed.append(
            f"DSO slope {one_decimal(evidence['dso_slope'])} days per quarter (< {t.min_slope:g})"
        )
    if evidence["rising_quarters"] < t.min_rising:
        failed.append(
            f"DSO rose in the last {evidence['rising_quarters']} quarters only (< {t.min_rising})"
        )
    if failed:
        return Signal(NONE, "; ".join(failed), **evidence)
    return Signal(
        QUALITY_DRIFT,
        f"CEI held at {one_decimal(evidence['cei_min'])} or above while DSO rose "
        f"{one_decimal(evidence['dso_slope'])} days per quarter",
        "high" if evidence["dso_slope"] >= t.severe_slope else "medium",
        RESPONSES[QUALITY_DRIFT],
        **evidence,
    )


def flag_quarters(quarters: pd.DataFrame, thresholds: Thresholds = DEFAULTS) -> pd.DataFrame:
    """One row per input row (columns segment_type, segment_value,
    period_start_date, is_partial_period, cei_pct, dso_days,
    active_account_count): the signal for
    the `thresholds.window` calendar quarters ending with that quarter, with
    its evidence and the window's first quarter. A quarter not yet complete
    is not judged, nor a window starting within the ledger's first
    `warmup_quarters` quarters (the first quarter of any row)."""
    rows = []
    first_ledger_quarter = (
        _quarter_number(quarters["period_start_date"].min()) if len(quarters) else 0
    )
    for (segment_type, segment_value), segment in quarters.groupby(
        ["segment_type", "segment_value"], sort=True
    ):
        values = {
            _quarter_number(r.period_start_date): (r.cei_pct, r.dso_days, r.active_account_count)
            for r in segment.itertuples()
        }
        for row in segment.itertuples():
            last = _quarter_number(row.period_start_date)
            numbers = range(last - thresholds.window + 1, last + 1)
            if row.is_partial_period:
                signal = Signal(NONE, "the quarter is not complete yet")
            else:
                window = [values.get(q, (None, None, 0)) for q in numbers]
                signal = classify_window(
                    [c for c, _, _ in window],
                    [d for _, d, _ in window],
                    thresholds,
                    [a for _, _, a in window],
                    in_warmup=numbers[0] < first_ledger_quarter + thresholds.warmup_quarters,
                )
            rows.append(
                {
                    "segment_type": segment_type,
                    "segment_value": segment_value,
                    "period_start_date": row.period_start_date,
                    "window_start_date": _quarter_start(numbers[0]),
                    **asdict(signal),
                }
            )
    columns = ["segment_type", "segment_value", "period_start_date", "window_start_date"]
    return pd.DataFrame(rows, columns=columns + list(Signal.__dataclass_fields__))


def _quarter_number(day) -> int:
    day = pd.Timestamp(day)
    return day.year * 4 + (day.month - 1) // 3


def _quarter_start(number: int):
    return pd.Timestamp(year=number // 4, month=(number % 4) * 3 + 1, day=1).date()
