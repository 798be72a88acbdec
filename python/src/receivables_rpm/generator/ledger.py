"""Simulate the receivables ledger of one block of customers, vectorised.

Every behaviour is drawn per customer or per document with numpy; there is no
Python loop over documents. Amounts are integer cents until output. Events
dated after the extract date do not exist yet: a payment planned for later
leaves the document open, a reversal planned for later leaves the receipt
cleared, and so on.

The module also returns, per company and month, the two aggregates the
generator needs across blocks: the subledger's net AR at each month end in the
reporting currency (historical rates, kpi_definitions.md) and cash received.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from receivables_rpm.generator.calendar import month_starts, to_business_day
from receivables_rpm.generator.fx import CURRENCY_QUOTES, RateTable

NEVER = np.iinfo(np.int64).max // 4  # "day" of an event that never happens

# country, currency, company, region, tax rate, share of customers
COUNTRIES = [
    ("US", "USD", "US01", "NA", 0.07, 0.34),
    ("CA", "CAD", "US01", "NA", 0.13, 0.06),
    ("MX", "USD", "US01", "NA", 0.16, 0.03),
    ("DE", "EUR", "DE01", "EMEA", 0.19, 0.12),
    ("FR", "EUR", "DE01", "EMEA", 0.20, 0.07),
    ("NL", "EUR", "DE01", "EMEA", 0.21, 0.05),
    ("ES", "EUR", "DE01", "EMEA", 0.21, 0.03),
    ("GB", "GBP", "GB01", "EMEA", 0.20, 0.11),
    ("JP", "JPY", "AU01", "APAC", 0.10, 0.07),
    ("AU", "AUD", "AU01", "APAC", 0.10, 0.09),
    ("SG", "USD", "AU01", "APAC", 0.09, 0.03),
]
COMPANIES = ["US01", "DE01", "GB01", "AU01"]
# The currency each company keeps its general ledger in (working_capital).
COMPANY_CURRENCY = {"US01": "USD", "DE01": "EUR", "GB01": "GBP", "AU01": "AUD"}
CURRENCIES = ["USD", *CURRENCY_QUOTES]
UNITS_PER_USD = {"USD": 1.0, **{c: v[0] for c, v in CURRENCY_QUOTES.items()}}

INDUSTRIES = [
    "Manufacturing",
    "Professional Services",
    "Wholesale",
    "Retail",
    "Export",
    "Technology",
]
INDUSTRY_SHARE = [0.24, 0.16, 0.18, 0.14, 0.10, 0.18]
# The planted patterns of the last four quarters (see GENERATOR.md).
QUALITY_DRIFT_INDUSTRY = "Technology"
COLLECTION_DISCIPLINE_INDUSTRY = "Retail"

# Payment habits: share per industry of prompt / on-terms / late / chronic payers.
HABITS = ["prompt", "on_terms", "late", "chronic"]
HABIT_SHARE = {
    "Manufacturing": [0.34, 0.52, 0.10, 0.04],
    "Professional Services": [0.24, 0.56, 0.15, 0.05],
    "Wholesale": [0.36, 0.51, 0.09, 0.04],
    "Retail": [0.38, 0.52, 0.08, 0.02],
    "Export": [0.26, 0.50, 0.16, 0.08],
    "Technology": [0.50, 0.49, 0.01, 0.00],
}
# days paid after the due date: mean, standard deviation; probability of default
HABIT_DELAY_MEAN = np.array([-4.0, -1.0, 12.0, 120.0])
HABIT_DELAY_SD = np.array([3.0, 3.0, 8.0, 30.0])
HABIT_DEFAULT_P = np.array([0.0003, 0.0008, 0.006, 0.20])
TERMS = np.array([30, 45, 60])
TERMS_SHARE = {
    "Professional Services": [0.2, 0.4, 0.4],
    "Export": [0.2, 0.3, 0.5],
}
DEFAULT_TERMS_SHARE = [0.55, 0.30, 0.15]

DISPUTE_TYPES = ["pricing", "quality", "credit_note", "delivery", "other"]
DISPUTE_TYPE_SHARE = [0.35, 0.20, 0.15, 0.20, 0.10]
DISPUTE_MEAN_DAYS = np.array([7.0, 22.0, 4.0, 18.0, 25.0])
RESOLUTIONS = ["credited", "rejected", "adjusted", "escalated"]
RESOLUTION_SHARE = [0.40, 0.35, 0.15, 0.10]

# Invoice delivery (v2 optional columns): each customer prefers a channel and
# 90 % of its documents go that way. Electronic delivery arrives the same or
# the next day; a paper invoice takes 2-6 days in the post and is paid later
# (it is keyed in by hand, or lost), as real ledgers show. 3 % of documents
# record neither column.
DELIVERY_CHANNELS = ["email", "portal", "edi", "paper", "other"]
DELIVERY_CHANNEL_SHARE = [0.42, 0.18, 0.12, 0.22, 0.06]
DELIVERY_LAG_DAYS = [(0, 1), (0, 1), (0, 0), (2, 6), (1, 4)]  # inclusive
DELIVERY_PAY_DELAY = np.array([0.0, 0.0, 0.0, 8.0, 4.0])
DELIVERY_UNRECORDED_SHARE = 0.03

PAYMENT_METHODS = ["wire", "ach", "check", "card", "other"]
PAYMENT_METHOD_SHARE = [0.45, 0.30, 0.18, 0.05, 0.02]
CALL_OUTCOMES = [
    "right_party_contact",
    "promise_to_pay",
    "no_answer",
    "voicemail",
    "wrong_party",
    "dispute_raised",
    "refused",
]
CALL_OUTCOME_SHARE = [0.30, 0.15, 0.22, 0.20, 0.04, 0.03, 0.06]
PRODUCT_CATEGORIES = ["hardware", "software", "services", "consumables", "freight", "spares"]
CREDIT_MANAGERS = ["A. Moreau", "B. Tanaka", "C. Okafor"]
FIRST_NAMES = ["Alex", "Sam", "Maria", "Jan", "Li", "Noor", "Kim", "Ola", "Ravi", "Eva"]
LAST_NAMES = ["Smith", "Muller", "Garcia", "Kowalski", "Chen", "Haddad", "Sato", "Berg"]
NAME_PARTS = ["Acme", "Nordic", "Atlas", "Summit", "Vertex", "Harbor", "Pioneer", "Delta"]
NAME_SUFFIX = ["Industries", "Trading", "Partners", "Systems", "Logistics", "Foods", "Labs"]


@dataclass
class Context:
    """What every block shares: the calendar, FX, collectors, id counters."""

    months: int
    month_start: np.ndarray  # months + 1 first days
    extract_day: int
    rates: RateTable
    n_collectors: int
    plant_patterns: bool
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def month_end(self) -> np.ndarray:
        return self.month_start[1:] - 1

    @property
    def window_start_day(self) -> int:
        """First day of the last four quarters (twelve months) of the ledger."""
        return int(self.month_start[max(self.months - 12, 0)])

    def take_ids(self, name: str, count: int) -> np.ndarray:
        first = self.counters.get(name, 0)
        self.counters[name] = first + count
        return np.arange(first + 1, first + count + 1)


@dataclass
class Block:
    """One block's tables (internal form: ints, cents, days) and aggregates."""

    tables: dict[str, pd.DataFrame]
    net_ar_delta: np.ndarray  # (company, month) reporting-currency change of net AR
    cash_received: np.ndarray  # (company, month) reporting-currency cash received


def make_context(start, months: int, rates: RateTable, plant_patterns: bool) -> Context:
    starts = month_starts(start, months)
    return Context(
        months=months,
        month_start=starts,
        extract_day=int(starts[-1] - 1),
        rates=rates,
        n_collectors=12,
        plant_patterns=plant_patterns,
    )


def _choice(rng, n, shares_per_row: np.ndarray) -> np.ndarray:
    """Vectorised categorical draw with a probability row per item."""
    cumulative = np.cumsum(shares_per_row, axis=1)
    return (rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, shares_per_row.shape[1] - 1)


def _uniform_int(rng, low, high, n=None) -> np.ndarray:
    """Integers in [low, high] inclusive; low/high may be arrays."""
    size = n if n is not None else np.broadcast(low, high).shape
    return np.floor(low + rng.random(size) * (np.asarray(high) - low + 1)).astype(np.int64)


def _customers(rng, ctx: Context, n: int) -> pd.DataFrame:
    months = ctx.months
    country = rng.choice(len(COUNTRIES), n, p=[c[5] for c in COUNTRIES])
    industry = rng.choice(len(INDUSTRIES), n, p=INDUSTRY_SHARE)
    habit_share = np.array([HABIT_SHARE[i] for i in INDUSTRIES])[industry]
    habit = _choice(rng, n, habit_share)
    terms_share = np.array([TERMS_SHARE.get(i, DEFAULT_TERMS_SHARE) for i in INDUSTRIES])
    terms = TERMS[_choice(rng, n, terms_share[industry])]
    joins_later = rng.random(n) >= 0.75
    start_month = np.where(joins_later, rng.integers(1, max(months, 2), n), 0)
    churns = rng.random(n) < 0.08
    end_month = np.where(churns, rng.integers(0, months + 1, n), months)
    end_month = np.clip(np.maximum(end_month, start_month + 3), 0, months)
    # A few customer groups: children point at a parent among the first fifth.
    parent = np.full(n, -1)
    has_parent = (np.arange(n) >= n // 5) & (rng.random(n) < 0.08)
    parent[has_parent] = rng.integers(0, max(n // 5, 1), has_parent.sum())
    since = ctx.month_start[start_month] - np.where(
        start_month == 0, rng.integers(30, 3000, n), rng.integers(0, 20, n)
    )
    currency = np.array([COUNTRIES[i][1] for i in country])
    avg_usd = rng.lognormal(np.log(3500.0), 0.9, n)
    rate = np.clip(rng.lognormal(np.log(2.0), 0.75, n), 0.15, 40.0)
    scale = np.array([UNITS_PER_USD[c] for c in currency])
    credit_limit = np.round(avg_usd * rate * scale * (terms / 30.0) * 3.0, -3)
    return pd.DataFrame(
        {
            "country": country,
            "industry": industry,
            "habit": habit,
            "terms": terms,
            "start_month": start_month,
            "end_month": end_month,
            "parent": parent,
            "since_day": since,
            "currency": currency,
            "company": np.array([COUNTRIES[i][2] for i in country]),
            "region": np.where(
                rng.random(n) < 0.03, None, np.array([COUNTRIES[i][3] for i in country])
            ),
            "avg_usd": avg_usd,
            "invoice_rate": rate,
            "delay_offset": rng.normal(0.0, 3.0, n),
            "discount_terms": rng.random(n) < 0.15,
            "collector": np.where(rng.random(n) < 0.04, -1, rng.integers(0, ctx.n_collectors, n)),
            "credit_limit": np.where(rng.random(n) < 0.05, np.nan, np.maximum(credit_limit, 1000)),
        }
    )


def _pattern_progress(ctx: Context, days: np.ndarray) -> np.ndarray:
    """Quarters elapsed inside the planted-pattern window (0 before it)."""
    if not ctx.plant_patterns or ctx.months < 16:
        return np.zeros(len(days))
    return np.clip((days - ctx.window_start_day) / 91.3, 0.0, None)


def _to_cents(rng, amount_major: np.ndarray, currency: np.ndarray) -> np.ndarray:
    cents = np.round(amount_major * 100).astype(np.int64)
    whole_units = currency == "JPY"
    cents[whole_units] = np.round(cents[whole_units] / 100).astype(np.int64) * 100
    return np.maximum(cents, 100)


def _settle(
    rng, ctx: Context, cust: pd.DataFrame, ci, doc_day, due_day, open_cents, hold_until, pay_delay
):
    """When and how each receivable is paid: returns payment events and write-offs.

    hold_until: day before which the customer will not pay (open dispute), NEVER
    when a dispute is still open at the extract date. pay_delay: days added to
    the customer's habit (how the document was delivered).
    """
    n = len(ci)
    habit = cust["habit"].to_numpy()[ci]
    industry = cust["industry"].to_numpy()[ci]
    progress = _pattern_progress(ctx, doc_day)
    discipline = industry == INDUSTRIES.index(COLLECTION_DISCIPLINE_INDUSTRY)
    delay = (
        HABIT_DELAY_MEAN[habit]
        + HABIT_DELAY_SD[habit] * rng.normal(0, 1, n)
        + cust["delay_offset"].to_numpy()[ci]
        + np.where(discipline, 6.0 * progress, 0.0)
        + pay_delay
    )
    pay_day = np.maximum(due_day + np.round(delay).astype(np.int64), doc_day + 1)
    pay_day = np.where(
        hold_until > 0, np.maximum(pay_day, hold_until + _uniform_int(rng, 1, 10, n)), pay_day
    )
    pay_day = np.where(hold_until >= NEVER, NEVER, pay_day)
    defaults = rng.random(n) < HABIT_DEFAULT_P[habit]
    discount = np.zeros(n, dtype=np.int64)
    early = (
        cust["discount_terms"].to_numpy()[ci]
        & (rng.random(n) < 0.6)
        & ~defaults
        & (hold_until == 0)
    )
    pay_day = np.where(early, doc_day + _uniform_int(rng, 3, 10, n), pay_day)
    discount[early] = np.round(open_cents[early] * 0.02).astype(np.int64)

    applied = open_cents - discount
    events = []  # (row, day, applied, discount)
    # Chronic defaulters sometimes pay part before the rest is written off.
    partial_default = defaults & (rng.random(n) < 0.3)
    part = np.round(open_cents * rng.uniform(0.2, 0.6, n)).astype(np.int64)
    rows = np.flatnonzero(partial_default)
    events.append(
        (rows, due_day[rows] + _uniform_int(rng, 20, 60, len(rows)), part[rows], 0 * rows)
    )
    write_off_cents = np.where(partial_default, open_cents - part, open_cents)
    wo_rows = np.flatnonzero(defaults)
    write_offs = (
        wo_rows,
        due_day[wo_rows] + _uniform_int(rng, 150, 360, len(wo_rows)),
        write_off_cents[wo_rows],
    )

    paid = ~defaults & (pay_day < NEVER)
    short_pay = paid & ~early & (rng.random(n) < 0.02)
    short = np.minimum(_uniform_int(rng, 100, 2500, n), open_cents // 10)
    applied = np.where(short_pay, applied - short, applied)
    small_rows = np.flatnonzero(short_pay)
    small_balance = (
        small_rows,
        pay_day[small_rows] + _uniform_int(rng, 5, 30, len(small_rows)),
        short[small_rows],
    )

    installments = paid & ~early & ~short_pay & (rng.random(n) < 0.07)
    first_part = np.round(applied * rng.uniform(0.3, 0.7, n)).astype(np.int64)
    first_day = np.maximum(doc_day + 1, pay_day - _uniform_int(rng, 7, 30, n))
    rows = np.flatnonzero(installments)
    events.append((rows, first_day[rows], first_part[rows], 0 * rows))
    rest = np.where(installments, applied - first_part, applied)
    rows = np.flatnonzero(paid)
    events.append((rows, pay_day[rows], rest[rows], discount[rows]))

    payments = pd.DataFrame(
        {
            "row": np.concatenate([e[0] for e in events]),
            "day": np.concatenate([e[1] for e in events]),
            "applied": np.concatenate([e[2] for e in events]),
            "discount": np.concatenate([e[3] for e in events]),
        }
    )
    settle_day = np.where(paid, pay_day, NEVER)
    settle_day[wo_rows] = write_offs[1]
    return payments, write_offs, small_balance, settle_day


def _delivery(rng, preferred: np.ndarray, doc_day: np.ndarray, extract_day: int):
    """Channel index (-1: not recorded) and sent day (NEVER: not recorded, or
    not yet delivered at the extract date) of each document."""
    n = len(preferred)
    other = rng.choice(len(DELIVERY_CHANNELS), n, p=DELIVERY_CHANNEL_SHARE)
    channel = np.where(rng.random(n) < 0.9, preferred, other)
    low = np.array([lag[0] for lag in DELIVERY_LAG_DAYS])[channel]
    high = np.array([lag[1] for lag in DELIVERY_LAG_DAYS])[channel]
    sent_day = doc_day + low + (rng.random(n) * (high - low + 1)).astype(np.int64)
    unrecorded = rng.random(n) < DELIVERY_UNRECORDED_SHARE
    channel = np.where(unrecorded, -1, channel)
    sent_day = np.where(unrecorded | (sent_day > extract_day), NEVER, sent_day)
    return channel, sent_day


def simulate_block(
    rng: np.random.Generator,
    ctx: Context,
    n_customers: int,
    delivery_rng: np.random.Generator,
) -> Block:
    """All tables for n_customers new customers (ids continue ctx.counters).

    delivery_rng draws how documents are delivered, apart from rng, so that
    the rest of the ledger draws the numbers it drew before delivery existed."""
    cust = _customers(rng, ctx, n_customers)
    preferred_channel = delivery_rng.choice(
        len(DELIVERY_CHANNELS), n_customers, p=DELIVERY_CHANNEL_SHARE
    )
    cust["customer_no"] = ctx.take_ids("customer", n_customers)
    months, extract_day = ctx.months, ctx.extract_day
    month_axis = np.arange(months)
    active = (month_axis >= cust["start_month"].to_numpy()[:, None]) & (
        month_axis < cust["end_month"].to_numpy()[:, None]
    )
    counts = rng.poisson(cust["invoice_rate"].to_numpy()[:, None] * active)
    cell = np.repeat(np.arange(n_customers * months), counts.ravel())
    ci, mi = cell // months, cell % months
    n_inv = len(ci)
    ms = ctx.month_start
    doc_day = to_business_day(ms[mi] + (rng.random(n_inv) * (ms[mi + 1] - ms[mi])).astype(np.int64))
    doc_day = np.where(doc_day < ms[mi], doc_day + 3, doc_day)
    currency = cust["currency"].to_numpy()[ci]
    scale = pd.Series(currency).map(UNITS_PER_USD).to_numpy()
    amount = _to_cents(
        rng, cust["avg_usd"].to_numpy()[ci] * rng.lognormal(0, 0.55, n_inv) * scale, currency
    )
    drift = cust["industry"].to_numpy()[ci] == INDUSTRIES.index(QUALITY_DRIFT_INDUSTRY)
    # Quality drift: the segment is granted ever longer dated terms (about 5.5
    # days more per quarter) and pays on them, so DSO rises while CEI holds.
    extra_terms = np.where(drift, np.round(5.5 * _pattern_progress(ctx, doc_day)), 0).astype(
        np.int64
    )
    due_day = doc_day + cust["terms"].to_numpy()[ci] + extra_terms

    # One fate per invoice: dispute (4 %), credit memo (5 %), or plain.
    fate = rng.random(n_inv)
    disputed = fate < 0.04
    credited = (fate >= 0.04) & (fate < 0.09)

    # Disputes, resolution time by type, a tail of slow ones.
    d_rows = np.flatnonzero(disputed)
    d_type = rng.choice(len(DISPUTE_TYPES), len(d_rows), p=DISPUTE_TYPE_SHARE)
    d_open = doc_day[d_rows] + _uniform_int(rng, 3, 25, len(d_rows))
    d_days = 1 + rng.gamma(2.0, DISPUTE_MEAN_DAYS[d_type] / 2.0)
    d_days = np.round(np.where(rng.random(len(d_rows)) < 0.06, d_days * 3, d_days)).astype(np.int64)
    d_resolved = d_open + d_days
    d_keep = d_open <= extract_day
    d_rows, d_type, d_open, d_resolved = (
        d_rows[d_keep],
        d_type[d_keep],
        d_open[d_keep],
        d_resolved[d_keep],
    )
    d_is_open = d_resolved > extract_day
    d_resolution = np.where(
        d_is_open, -1, rng.choice(len(RESOLUTIONS), len(d_rows), p=RESOLUTION_SHARE)
    )
    d_amount = np.where(
        rng.random(len(d_rows)) < 0.5,
        amount[d_rows],
        np.round(amount[d_rows] * rng.uniform(0.05, 0.5, len(d_rows))).astype(np.int64),
    )
    hold_until = np.zeros(n_inv, dtype=np.int64)
    hold_until[d_rows] = np.where(d_is_open, NEVER, d_resolved)
    open_cents = amount.copy()
    d_credit = d_resolution == RESOLUTIONS.index("credited")
    d_adjust = d_resolution == RESOLUTIONS.index("adjusted")
    open_cents[d_rows[d_credit | d_adjust]] -= d_amount[d_credit | d_adjust]

    # Ordinary credit memos (price corrections), mostly applied to the invoice.
    c_rows = np.flatnonzero(credited)
    c_amount = np.round(amount[c_rows] * rng.uniform(0.05, 0.3, len(c_rows))).astype(np.int64)
    c_day = doc_day[c_rows] + _uniform_int(rng, 2, 20, len(c_rows))
    c_applied = rng.random(len(c_rows)) < 0.97
    open_cents[c_rows[c_applied]] -= c_amount[c_applied]

    inv_channel, inv_sent = _delivery(delivery_rng, preferred_channel[ci], doc_day, extract_day)
    payments, write_offs, small_balance, settle_day = _settle(
        rng,
        ctx,
        cust,
        ci,
        doc_day,
        due_day,
        open_cents,
        hold_until,
        np.where(inv_channel >= 0, DELIVERY_PAY_DELAY[inv_channel], 0.0),
    )

    # Debit memos (freight, fees) on 1.5 % of invoices, settled like invoices.
    m_rows = np.flatnonzero(rng.random(n_inv) < 0.015)
    m_day = to_business_day(doc_day[m_rows] + _uniform_int(rng, 10, 40, len(m_rows)))
    m_keep = m_day <= extract_day
    m_rows, m_day = m_rows[m_keep], m_day[m_keep]
    m_amount = _to_cents(
        rng, amount[m_rows] * rng.uniform(0.02, 0.08, len(m_rows)) / 100, currency[m_rows]
    )
    m_ci = ci[m_rows]
    m_due = m_day + cust["terms"].to_numpy()[m_ci]
    m_channel, m_sent = _delivery(delivery_rng, preferred_channel[m_ci], m_day, extract_day)
    m_payments, m_write_offs, m_small, m_settle = _settle(
        rng,
        ctx,
        cust,
        m_ci,
        m_day,
        m_due,
        m_amount,
        np.zeros(len(m_rows), dtype=np.int64),
        np.where(m_channel >= 0, DELIVERY_PAY_DELAY[m_channel], 0.0),
    )

    # ---- documents: invoices, then credit memos, then debit memos ----------
    cm_from_dispute = d_rows[d_credit]
    cm_src = np.concatenate([c_rows, cm_from_dispute])
    cm_day = np.concatenate([c_day, d_resolved[d_credit]])
    cm_amount = np.concatenate([c_amount, d_amount[d_credit]])
    cm_applied = np.concatenate([c_applied, np.ones(d_credit.sum(), dtype=bool)])
    cm_keep = cm_day <= extract_day
    cm_src, cm_day, cm_amount, cm_applied = (
        cm_src[cm_keep],
        cm_day[cm_keep],
        cm_amount[cm_keep],
        cm_applied[cm_keep],
    )

    n_cm, n_dm = len(cm_src), len(m_rows)
    doc_no = ctx.take_ids("document", n_inv + n_cm + n_dm)
    inv_no, cm_no, dm_no = doc_no[:n_inv], doc_no[n_inv : n_inv + n_cm], doc_no[n_inv + n_cm :]
    tax_rate = np.array([c[4] for c in COUNTRIES])[cust["country"].to_numpy()]
    doc_ci = np.concatenate([ci, ci[cm_src], m_ci])
    all_amount = np.concatenate([amount, -cm_amount, m_amount])
    all_day = np.concatenate([doc_day, cm_day, m_day])
    doc_currency = np.concatenate([currency, currency[cm_src], currency[m_rows]])
    documents = pd.DataFrame(
        {
            "document_no": doc_no,
            "document_type": np.repeat(["INV", "CM", "DM"], [n_inv, n_cm, n_dm]),
            "customer_no": cust["customer_no"].to_numpy()[doc_ci],
            "company_code": cust["company"].to_numpy()[doc_ci],
            "document_day": all_day,
            "posting_day": all_day
            + np.where(rng.random(len(doc_ci)) < 0.1, rng.integers(1, 4, len(doc_ci)), 0),
            "due_day": np.concatenate([due_day, cm_day, m_due]),
            "currency_code": doc_currency,
            "amount_cents": all_amount,
            "tax_cents": np.round(all_amount * tax_rate[doc_ci] / (1 + tax_rate[doc_ci])).astype(
                np.int64
            ),
            "reference_no": np.concatenate(
                [np.zeros(n_inv, dtype=np.int64), inv_no[cm_src], inv_no[m_rows]]
            ),
            "updated_seconds": all_day * 86400 + rng.integers(8 * 3600, 19 * 3600, len(doc_ci)),
            "has_po": rng.random(len(doc_ci)) < 0.6,
        }
    )
    documents["posting_day"] = np.minimum(documents["posting_day"], extract_day)
    cm_channel, cm_sent = _delivery(
        delivery_rng, preferred_channel[ci[cm_src]], cm_day, extract_day
    )
    all_channel = np.concatenate([inv_channel, cm_channel, m_channel])
    documents["sent_day"] = np.concatenate([inv_sent, cm_sent, m_sent])
    documents["delivery_channel"] = np.where(
        all_channel >= 0, np.array(DELIVERY_CHANNELS)[np.clip(all_channel, 0, None)], None
    )

    # ---- receipts and applications -----------------------------------------
    m_payments = m_payments.assign(row=m_payments["row"] + n_inv + n_cm)
    pay = pd.concat([payments, m_payments], ignore_index=True)
    # A fully credited invoice leaves nothing to pay: no zero payments.
    pay = pay[(pay["day"] <= extract_day) & (pay["applied"] + pay["discount"] > 0)]
    pay = pay.assign(ci=doc_ci[pay["row"].to_numpy()]).sort_values(["ci", "day"], kind="stable")
    receipts, applications = _receipts(rng, ctx, cust, pay, doc_no, doc_ci)

    cm_apps_day = cm_day + _uniform_int(rng, 0, 7, n_cm)
    cm_app_keep = cm_applied & (cm_apps_day <= extract_day)
    cm_apps = pd.DataFrame(
        {
            "document_no": inv_no[cm_src[cm_app_keep]],
            "source_type": "credit_memo",
            "source_no": cm_no[cm_app_keep],
            "application_day": cm_apps_day[cm_app_keep],
            "applied_cents": cm_amount[cm_app_keep],
            "discount_cents": 0,
        }
    )
    applications = pd.concat([applications, cm_apps], ignore_index=True)
    applications["application_no"] = ctx.take_ids("application", len(applications))

    # ---- adjustments -------------------------------------------------------
    adj_parts = [
        (inv_no[write_offs[0]], write_offs[1], write_offs[2], "write_off"),
        (dm_no[m_write_offs[0]], m_write_offs[1], m_write_offs[2], "write_off"),
        (inv_no[small_balance[0]], small_balance[1], small_balance[2], "small_balance"),
        (dm_no[m_small[0]], m_small[1], m_small[2], "small_balance"),
        (inv_no[d_rows[d_adjust]], d_resolved[d_adjust], d_amount[d_adjust], "other"),
    ]
    adjustments = pd.DataFrame(
        {
            "document_no": np.concatenate([p[0] for p in adj_parts]),
            "adjustment_day": np.concatenate([p[1] for p in adj_parts]),
            "amount_cents": np.concatenate([p[2] for p in adj_parts]),
            "adjustment_type": np.repeat([p[3] for p in adj_parts], [len(p[0]) for p in adj_parts]),
        }
    )
    adjustments = adjustments[
        (adjustments["adjustment_day"] <= extract_day) & (adjustments["amount_cents"] > 0)
    ]
    adjustments = adjustments.reset_index(drop=True)
    adjustments["adjustment_no"] = ctx.take_ids("adjustment", len(adjustments))

    disputes = pd.DataFrame(
        {
            "dispute_no": ctx.take_ids("dispute", len(d_rows)),
            "document_no": inv_no[d_rows],
            "customer_no": cust["customer_no"].to_numpy()[ci[d_rows]],
            "dispute_type": np.array(DISPUTE_TYPES)[d_type],
            "disputed_cents": d_amount,
            "opened_day": d_open,
            "resolved_day": np.where(d_is_open, NEVER, d_resolved),
            "resolution": np.where(
                d_is_open, None, np.array(RESOLUTIONS)[np.clip(d_resolution, 0, None)]
            ),
        }
    )

    inv_settle = settle_day
    activities, promises = _collection_activities(
        rng,
        ctx,
        cust,
        ci,
        inv_no,
        doc_day,
        due_day,
        inv_settle,
        open_cents,
        currency,
        d_rows,
        d_open,
    )
    statements = _statements(
        rng,
        ctx,
        cust,
        np.concatenate([ci, m_ci]),
        np.concatenate([doc_day, m_day]),
        np.concatenate([inv_settle, m_settle]),
    )
    activities = pd.concat([activities, statements], ignore_index=True)
    activities["activity_no"] = ctx.take_ids("activity", len(activities))
    promises = promises.merge(
        activities.loc[activities["promise"], ["activity_key", "activity_no"]],
        on="activity_key",
        how="left",
    )
    promises["promise_no"] = ctx.take_ids("promise", len(promises))

    tables = {
        "customers": cust,
        "ar_documents": documents,
        "cash_receipts": receipts,
        "cash_applications": applications,
        "adjustments": adjustments,
        "disputes": disputes,
        "collection_activities": activities,
        "promises_to_pay": promises,
        "credit_approvals": _credit_approvals(rng, ctx, cust),
        "customer_feedback": _feedback(rng, ctx, cust, ci[d_rows]),
        "ar_document_lines": _lines(rng, documents),
    }
    net_ar, cash = _aggregates(ctx, documents, receipts, applications, adjustments)
    return Block(tables, net_ar, cash)


def _receipts(rng, ctx: Context, cust, pay: pd.DataFrame, doc_no, doc_ci):
    """One receipt per customer and payment day; checks that bounce are reversed
    and paid again later; a little unidentified and on-account cash."""
    extract_day = ctx.extract_day
    key = pay["ci"].to_numpy() * (1 << 32) + pay["day"].to_numpy()
    uniq, receipt_ix = np.unique(key, return_inverse=True)
    n_rec = len(uniq)
    amount = np.bincount(receipt_ix, weights=pay["applied"].to_numpy(), minlength=n_rec).astype(
        np.int64
    )
    r_ci = (uniq >> 32).astype(np.int64)
    r_day = (uniq & ((1 << 32) - 1)).astype(np.int64)
    on_account = rng.random(n_rec) < 0.01
    amount = amount + np.where(on_account, rng.integers(1000, 50000, n_rec), 0)
    method = rng.choice(len(PAYMENT_METHODS), n_rec, p=PAYMENT_METHOD_SHARE)
    bounced = (method == PAYMENT_METHODS.index("check")) & (rng.random(n_rec) < 0.05)
    reversal_day = r_day + _uniform_int(rng, 3, 12, n_rec)
    bounced &= reversal_day <= extract_day
    lag = rng.choice([0, 1, 2, 3, 7, 14], len(pay), p=[0.55, 0.25, 0.10, 0.05, 0.04, 0.01])
    apps = pd.DataFrame(
        {
            "document_no": doc_no[pay["row"].to_numpy()],
            "source_type": "receipt",
            "receipt_ix": receipt_ix,
            "application_day": pay["day"].to_numpy() + lag,
            "applied_cents": pay["applied"].to_numpy(),
            "discount_cents": pay["discount"].to_numpy(),
        }
    )
    # A bounced receipt's applications dated after the bounce never happened;
    # the customer pays again later and the same items are re-applied.
    planned = apps
    bounce_day = np.where(bounced, reversal_day, NEVER)[apps["receipt_ix"].to_numpy()]
    apps = apps[apps["application_day"].to_numpy() < bounce_day]
    b_ix = np.flatnonzero(bounced)
    again_day = to_business_day(reversal_day[b_ix] + _uniform_int(rng, 5, 20, len(b_ix)))
    paid_again = (again_day > reversal_day[b_ix]) & (again_day <= extract_day)
    b_ix, again_day = b_ix[paid_again], again_day[paid_again]
    replacement = np.full(n_rec, -1)
    replacement[b_ix] = n_rec + np.arange(len(b_ix))
    redo = planned[replacement[planned["receipt_ix"].to_numpy()] >= 0].copy()
    redo["receipt_ix"] = replacement[redo["receipt_ix"].to_numpy()]
    redo["application_day"] = again_day[redo["receipt_ix"].to_numpy() - n_rec] + rng.choice(
        [0, 1, 2], len(redo)
    )
    apps = pd.concat([apps, redo], ignore_index=True)
    apps = apps[apps["application_day"] <= extract_day]

    n_again = len(b_ix)
    all_ci = np.concatenate([r_ci, r_ci[b_ix]])
    all_day = np.concatenate([r_day, again_day])
    all_amount = np.concatenate([amount, amount[b_ix]])
    all_method = np.concatenate([method, rng.choice([0, 1], n_again)])
    status_reversed = np.concatenate([bounced, np.zeros(n_again, dtype=bool)])
    all_reversal = np.concatenate([np.where(bounced, reversal_day, NEVER), np.full(n_again, NEVER)])
    n_all = len(all_ci)

    # Unidentified cash: no customer, never applied.
    n_unid = rng.binomial(n_all, 0.004)
    u_ci = rng.integers(0, len(cust), n_unid)
    u_day = to_business_day(rng.integers(ctx.month_start[0] + 5, extract_day + 1, n_unid))
    currency = cust["currency"].to_numpy()
    receipt_no = ctx.take_ids("receipt", n_all + n_unid)
    receipts = pd.DataFrame(
        {
            "receipt_no": receipt_no,
            "customer_no": np.concatenate(
                [cust["customer_no"].to_numpy()[all_ci], np.zeros(n_unid, dtype=np.int64)]
            ),
            "company_code": cust["company"].to_numpy()[np.concatenate([all_ci, u_ci])],
            "receipt_day": np.concatenate([all_day, u_day]),
            "currency_code": currency[np.concatenate([all_ci, u_ci])],
            "amount_cents": np.concatenate(
                [
                    all_amount,
                    _to_cents(rng, rng.lognormal(np.log(900), 0.8, n_unid), currency[u_ci]),
                ]
            ),
            "payment_method": np.array(PAYMENT_METHODS)[
                np.concatenate([all_method, rng.integers(0, 2, n_unid)])
            ],
            "is_reversed": np.concatenate([status_reversed, np.zeros(n_unid, dtype=bool)]),
            "reversal_day": np.concatenate([all_reversal, np.full(n_unid, NEVER)]),
        }
    )
    apps = apps.assign(source_no=receipt_no[apps["receipt_ix"].to_numpy()]).drop(
        columns="receipt_ix"
    )
    return receipts, apps


def _collection_activities(
    rng, ctx, cust, ci, inv_no, doc_day, due_day, settle_day, open_cents, currency, d_rows, d_open
):
    """Reminder e-mails, first and second calls on late invoices, inbound
    dispute e-mails; promises to pay from the calls that got one."""
    extract_day = ctx.extract_day
    n = len(ci)
    late = settle_day > due_day + 5
    call1 = to_business_day(due_day + _uniform_int(rng, 5, 7, n))
    call1 = np.where(call1 < due_day + 5, call1 + 3, call1)
    has_call1 = late & (call1 < settle_day) & (call1 <= extract_day) & (rng.random(n) < 0.93)
    call2 = to_business_day(due_day + _uniform_int(rng, 30, 34, n))
    has_call2 = (settle_day > due_day + 30) & (call2 < settle_day) & (call2 <= extract_day)
    email = due_day + 1
    has_email = (settle_day > due_day) & (email <= extract_day) & (rng.random(n) < 0.6)
    parts = []
    for mask, day, channel, automated in (
        (has_call1, call1, "call", False),
        (has_call2, call2, "call", False),
        (has_email, email, "email", True),
    ):
        rows = np.flatnonzero(mask)
        if channel == "call":
            outcome = np.array(CALL_OUTCOMES)[
                rng.choice(len(CALL_OUTCOMES), len(rows), p=CALL_OUTCOME_SHARE)
            ]
        else:
            outcome = np.where(rng.random(len(rows)) < 0.95, "delivered", "bounced")
        parts.append(
            pd.DataFrame(
                {
                    "row": rows,
                    "day": day[rows],
                    "channel": channel,
                    "direction": "outbound",
                    "automated": automated,
                    "outcome": outcome,
                }
            )
        )
    parts.append(
        pd.DataFrame(
            {
                "row": d_rows,
                "day": d_open,
                "channel": "email",
                "direction": "inbound",
                "automated": False,
                "outcome": "dispute_raised",
            }
        )
    )
    acts = pd.concat(parts, ignore_index=True)
    rows = acts["row"].to_numpy()
    collector = cust["collector"].to_numpy()[ci[rows]]
    acts = pd.DataFrame(
        {
            "customer_no": cust["customer_no"].to_numpy()[ci[rows]],
            "document_no": inv_no[rows],
            "seconds": acts["day"].to_numpy() * 86400
            + rng.integers(8 * 3600, 18 * 3600, len(acts)),
            "channel": acts["channel"].to_numpy(),
            "direction": acts["direction"].to_numpy(),
            "collector": np.where(acts["automated"].to_numpy(), -1, collector),
            "outcome": acts["outcome"].to_numpy(),
            "has_contact": acts["channel"].to_numpy() == "call",
            "promise": acts["outcome"].to_numpy() == "promise_to_pay",
            "activity_key": np.arange(len(acts)),
            "row": rows,
        }
    )
    p = acts[acts["promise"]]
    p_rows = p["row"].to_numpy()
    created = p["seconds"].to_numpy() // 86400
    settle = settle_day[p_rows]
    honest = (settle < NEVER) & (rng.random(len(p)) < 0.7)
    promised = np.where(
        honest,
        np.maximum(created + 1, settle - _uniform_int(rng, 0, 4, len(p))),
        created + _uniform_int(rng, 2, 10, len(p)),
    )
    promises = pd.DataFrame(
        {
            "customer_no": p["customer_no"].to_numpy(),
            "activity_key": p["activity_key"].to_numpy(),
            "document_no": np.where(rng.random(len(p)) < 0.8, inv_no[p_rows], 0),
            "created_day": created,
            "promised_day": promised,
            "promised_cents": open_cents[p_rows],
            "currency_code": currency[p_rows],
        }
    )
    return acts.drop(columns="row"), promises


def _statements(rng, ctx: Context, cust, ci, doc_day, settle_day) -> pd.DataFrame:
    """A statement to every customer with an open INV/DM at a month end, sent
    within three days for 92 % of them (the rest are missed)."""
    month_end = ctx.month_end
    first = np.searchsorted(month_end, doc_day, side="left")
    last = np.searchsorted(month_end, settle_day, side="left") - 1  # open at month end < settle
    count = np.clip(last - first + 1, 0, None)
    item = np.repeat(np.arange(len(ci)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    pair = np.unique(ci[item] * (ctx.months + 1) + first[item] + offset)
    s_ci, s_month = pair // (ctx.months + 1), pair % (ctx.months + 1)
    sent = rng.random(len(pair)) < 0.92
    s_ci, s_month = s_ci[sent], s_month[sent]
    day = np.minimum(month_end[s_month] + rng.integers(0, 3, len(s_ci)), ctx.extract_day)
    return pd.DataFrame(
        {
            "customer_no": cust["customer_no"].to_numpy()[s_ci],
            "document_no": 0,
            "seconds": day * 86400 + rng.integers(6 * 3600, 8 * 3600, len(s_ci)),
            "channel": "statement",
            "direction": "outbound",
            "collector": -1,
            "outcome": np.where(rng.random(len(s_ci)) < 0.98, "delivered", "bounced"),
            "has_contact": False,
            "promise": False,
            "activity_key": -1,
        }
    )


def _active_days(rng, ctx: Context, cust: pd.DataFrame, per_month: float):
    """Random days inside each customer's active months, Poisson per month."""
    months_active = (cust["end_month"] - cust["start_month"]).to_numpy()
    k = rng.poisson(np.clip(months_active, 0, None) * per_month)
    who = np.repeat(np.arange(len(cust)), k)
    lo = ctx.month_start[cust["start_month"].to_numpy()[who]]
    hi = np.minimum(ctx.month_start[cust["end_month"].to_numpy()[who]] - 1, ctx.extract_day)
    return who, (lo + rng.random(len(who)) * (hi - lo + 1)).astype(np.int64)


def _credit_approvals(rng, ctx: Context, cust: pd.DataFrame) -> pd.DataFrame:
    risky = cust["habit"].to_numpy() >= HABITS.index("late")
    who, day = _active_days(rng, ctx, cust, 0.12)
    keep = risky[who]
    who, day = who[keep], to_business_day(day[keep])
    return pd.DataFrame(
        {
            "approval_no": ctx.take_ids("approval", len(who)),
            "customer_no": cust["customer_no"].to_numpy()[who],
            "approved_by": np.array(CREDIT_MANAGERS)[
                rng.integers(0, len(CREDIT_MANAGERS), len(who))
            ],
            "seconds": day * 86400 + rng.integers(9 * 3600, 17 * 3600, len(who)),
            "valid_until_day": day + rng.integers(14, 61, len(who)),
        }
    )


def _feedback(rng, ctx: Context, cust: pd.DataFrame, disputed_ci: np.ndarray) -> pd.DataFrame:
    who, day = _active_days(rng, ctx, cust, 0.06)
    habit = cust["habit"].to_numpy()[who]
    had_dispute = np.isin(who, disputed_ci)
    shares = np.array(
        [
            [0.02, 0.04, 0.12, 0.42, 0.40],
            [0.03, 0.06, 0.18, 0.43, 0.30],
            [0.08, 0.15, 0.30, 0.30, 0.17],
            [0.20, 0.20, 0.30, 0.20, 0.10],
        ]
    )[np.where(had_dispute, np.maximum(habit, 2), habit)]
    return pd.DataFrame(
        {
            "response_no": ctx.take_ids("response", len(who)),
            "customer_no": cust["customer_no"].to_numpy()[who],
            "seconds": day * 86400 + rng.integers(0, 86400, len(who)),
            "csat_score": 1 + _choice(rng, len(who), shares),
            "channel": np.array(["email", "portal", "call"])[rng.integers(0, 3, len(who))],
        }
    )


def _lines(rng, documents: pd.DataFrame) -> pd.DataFrame:
    """1 to 6 lines per document whose amounts add up exactly to the document."""
    n_lines = 1 + np.minimum(rng.poisson(1.3, len(documents)), 5)
    doc = np.repeat(np.arange(len(documents)), n_lines)
    start = np.cumsum(n_lines) - n_lines
    line_number = np.arange(len(doc)) - start[doc] + 1
    weight = rng.random(len(doc)) + 0.2
    total = np.bincount(doc, weights=weight)
    cum_share = (np.cumsum(weight) - np.repeat(np.cumsum(total) - total, n_lines)) / total[doc]
    cum_share[line_number == n_lines[doc]] = 1.0
    amount = documents["amount_cents"].to_numpy()
    tax = documents["tax_cents"].to_numpy()
    net = amount - tax

    def split(total_cents):
        boundary = np.round(total_cents[doc] * cum_share).astype(np.int64)
        previous = np.where(line_number == 1, 0, np.roll(boundary, 1))
        return boundary - previous

    line_cents = split(net)
    quantity = rng.integers(1, 51, len(doc))
    return pd.DataFrame(
        {
            "document_no": documents["document_no"].to_numpy()[doc],
            "line_number": line_number,
            "product_category": np.array(PRODUCT_CATEGORIES)[
                rng.integers(0, len(PRODUCT_CATEGORIES), len(doc))
            ],
            "quantity": quantity,
            "unit_price": np.round(line_cents / 100 / quantity, 4),
            "line_cents": line_cents,
            "tax_cents": split(tax),
        }
    )


def _aggregates(ctx: Context, documents, receipts, applications, adjustments):
    """Net AR change and cash received per company and month, reporting currency.

    Net AR = AR + unapplied credits - unapplied cash (kpi_definitions.md). A
    receipt application moves value from unapplied cash (at the receipt's
    rate) to AR (at the document's rate), so only the rate difference touches
    net AR; a credit memo application likewise. A reversal undoes the receipt
    and its applications from the reversal date.
    """
    company_ix = {c: i for i, c in enumerate(COMPANIES)}
    currency_ix = {c: i for i, c in enumerate(ctx.rates.currencies)}
    doc_rate = ctx.rates.lookup(
        documents["currency_code"].map(currency_ix).to_numpy(), documents["document_day"].to_numpy()
    )
    doc_company = documents["company_code"].map(company_ix).to_numpy()
    rec_rate = ctx.rates.lookup(
        receipts["currency_code"].map(currency_ix).to_numpy(), receipts["receipt_day"].to_numpy()
    )
    rec_company = receipts["company_code"].map(company_ix).to_numpy()
    doc_nos = documents["document_no"].to_numpy()
    rec_nos = receipts["receipt_no"].to_numpy()

    def doc_pos(nos):  # ids ascend within a block
        return np.searchsorted(doc_nos, nos)

    def rec_pos(nos):
        return np.searchsorted(rec_nos, nos)

    events = []  # (company, day, reporting amount)
    amount = documents["amount_cents"].to_numpy() / 100
    events.append((doc_company, documents["document_day"].to_numpy(), amount * doc_rate))

    target = doc_pos(applications["document_no"].to_numpy())
    applied = applications["applied_cents"].to_numpy() / 100
    discount = applications["discount_cents"].to_numpy() / 100
    is_receipt = applications["source_type"].to_numpy() == "receipt"
    source_rate = np.empty(len(applications))
    source_rate[~is_receipt] = doc_rate[doc_pos(applications["source_no"].to_numpy()[~is_receipt])]
    r_pos = rec_pos(applications["source_no"].to_numpy()[is_receipt])
    source_rate[is_receipt] = rec_rate[r_pos]
    change = -(applied + discount) * doc_rate[target] + applied * source_rate
    app_day = applications["application_day"].to_numpy()
    undo_day = np.full(len(applications), NEVER)
    undo_day[is_receipt] = receipts["reversal_day"].to_numpy()[r_pos]
    counted = app_day < undo_day  # counted at all only before the reversal
    events.append((doc_company[target][counted], app_day[counted], change[counted]))
    reverted = counted & (undo_day <= ctx.extract_day)
    events.append((doc_company[target][reverted], undo_day[reverted], -change[reverted]))

    adj_target = doc_pos(adjustments["document_no"].to_numpy())
    events.append(
        (
            doc_company[adj_target],
            adjustments["adjustment_day"].to_numpy(),
            -adjustments["amount_cents"].to_numpy() / 100 * doc_rate[adj_target],
        )
    )
    receipt_value = receipts["amount_cents"].to_numpy() / 100 * rec_rate
    reversal_day = receipts["reversal_day"].to_numpy()
    is_reversed = receipts["is_reversed"].to_numpy()
    events.append((rec_company, receipts["receipt_day"].to_numpy(), -receipt_value))
    events.append((rec_company[is_reversed], reversal_day[is_reversed], receipt_value[is_reversed]))

    shape = (len(COMPANIES), ctx.months)
    net_ar = np.zeros(shape)
    for company, day, value in events:
        month = np.searchsorted(ctx.month_end, day, side="left")
        np.add.at(net_ar, (company, month), value)
    cash = np.zeros(shape)
    np.add.at(
        cash,
        (rec_company, np.searchsorted(ctx.month_end, receipts["receipt_day"].to_numpy())),
        receipt_value,
    )
    np.add.at(
        cash,
        (rec_company[is_reversed], np.searchsorted(ctx.month_end, reversal_day[is_reversed])),
        -receipt_value[is_reversed],
    )
    return net_ar, cash
