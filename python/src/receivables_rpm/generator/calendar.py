"""Day arithmetic on numpy arrays of days since 1970-01-01 (int64).

The generator works on integer day numbers so that every date operation is a
vectorised integer operation; dates become Arrow date32 values only on output.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)


def to_day(value: dt.date) -> int:
    return (value - EPOCH).days


def to_date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def to_business_day(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays back to the Friday before."""
    wd = weekday(days)
    return days - np.where(wd == 5, 1, 0) - np.where(wd == 6, 2, 0)


def month_starts(start: dt.date, months: int) -> np.ndarray:
    """First day of each of `months` calendar months from `start`'s month, plus the
    first day of the month after the last one (so `out[i+1] - 1` is month i's end)."""
    first = np.datetime64(f"{start.year:04d}-{start.month:02d}", "M")
    months_axis = first + np.arange(months + 1)
    return months_axis.astype("datetime64[D]").astype(np.int64)
