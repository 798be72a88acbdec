"""Daily FX quotes that skip weekends and a few holidays, and the rate lookup of
kpi_definitions.md: the most recent quote on or before a date among the direct
pair (currency -> reporting) and the inverse pair (used as 1 / rate); on a tie
of dates the direct quote wins; a quote older than the staleness limit is
missing. The generator uses the lookup to compute the GL balances it plants, so
the lookup here is an independent implementation of what the dbt models do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from receivables_rpm.generator.calendar import weekday

REPORTING_CURRENCY = "USD"

# currency -> (approximate units of the currency per USD, quoted as direct pair?)
# Direct pairs are published as currency -> USD, inverse ones as USD -> currency,
# the way ERPs typically store the market convention.
CURRENCY_QUOTES = {
    "EUR": (0.92, True),
    "GBP": (0.79, True),
    "AUD": (1.50, True),
    "CAD": (1.36, False),
    "JPY": (148.0, False),
}
FX_STALENESS_DAYS = 7


@dataclass
class RateTable:
    """Rate to the reporting currency per currency and calendar day (NaN = missing)."""

    currencies: list[str]
    first_day: int
    rates: np.ndarray  # shape (len(currencies), days)

    def lookup(self, currency_index: np.ndarray, days: np.ndarray) -> np.ndarray:
        offset = days - self.first_day
        inside = (offset >= 0) & (offset < self.rates.shape[1])
        out = np.full(len(days), np.nan)
        out[inside] = self.rates[currency_index[inside], offset[inside]]
        return out


def generate_fx(
    rng: np.random.Generator, first_day: int, last_day: int
) -> tuple[pd.DataFrame, RateTable]:
    """Quotes for every non-reporting currency on business days, ~1.5 % holidays
    skipped, with a few days where CAD is quoted both ways (the direct one wins)."""
    days = np.arange(first_day, last_day + 1)
    business = days[weekday(days) < 5]
    frames = []
    currencies = [REPORTING_CURRENCY, *CURRENCY_QUOTES]
    rates = np.full((len(currencies), len(days)), np.nan)
    rates[0, :] = 1.0
    for position, (currency, (per_usd, direct)) in enumerate(CURRENCY_QUOTES.items(), start=1):
        quoted_days = business[rng.random(len(business)) > 0.015]
        walk = np.exp(np.cumsum(rng.normal(0.0, 0.004, len(quoted_days))))
        units_per_usd = per_usd * walk
        if direct:
            quote = np.round(1.0 / units_per_usd, 6)
            frames.append(_quotes(quoted_days, currency, REPORTING_CURRENCY, quote))
            to_usd = quote
        else:
            quote = np.round(units_per_usd, 4)
            frames.append(_quotes(quoted_days, REPORTING_CURRENCY, currency, quote))
            to_usd = 1.0 / quote
            if currency == "CAD":
                # Some days carry a direct quote as well: the direct one wins a tie.
                both = rng.random(len(quoted_days)) < 0.05
                direct_quote = np.round(1.0 / quote[both] * 1.0005, 6)
                frames.append(
                    _quotes(quoted_days[both], currency, REPORTING_CURRENCY, direct_quote)
                )
                to_usd = to_usd.copy()
                to_usd[both] = direct_quote
        rates[position, :] = _carry_forward(days, quoted_days, to_usd)
    quotes = pd.concat(frames, ignore_index=True).sort_values(
        ["rate_date", "from_currency", "to_currency"], kind="stable"
    )
    return quotes.reset_index(drop=True), RateTable(currencies, first_day, rates)


def _quotes(days: np.ndarray, from_ccy: str, to_ccy: str, rate: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"rate_date": days, "from_currency": from_ccy, "to_currency": to_ccy, "rate": rate}
    )


def _carry_forward(days: np.ndarray, quoted_days: np.ndarray, to_usd: np.ndarray) -> np.ndarray:
    """For each calendar day, the latest quote on or before it, NaN when stale."""
    latest = np.searchsorted(quoted_days, days, side="right") - 1
    out = np.where(latest >= 0, to_usd[np.clip(latest, 0, None)], np.nan)
    age = days - quoted_days[np.clip(latest, 0, None)]
    out[(latest < 0) | (age > FX_STALENESS_DAYS)] = np.nan
    return out
