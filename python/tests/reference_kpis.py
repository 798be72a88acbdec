"""An independent pandas reading of kpi_definitions.md (v2) for the wide KPI
marts (rpt_kpis_monthly / _quarterly / _yearly), used as a test oracle. It
shares nothing with the dbt models: it reads the extract's tables (from the
files, or the rows a build staged) and re-computes every period, segment and
KPI from the spec's words.

Inputs: a dict of tables with the contract's column names, every cell as
text (`inputs_from_folder` reads the extract files, `inputs_from_build` the
rows a build kept after staging and validation), the risk tier per customer
and month end (the project's scoring rule) and the project's expected
collection date per open document and as-of date (its cash forecast, whose
error in days the reference measures): the only figures taken from it; and
the size-band seed.

Money is exact: document amounts are integers of 1/10,000 of their currency,
reporting amounts integers of 1/1,000,000 USD (micro-units). A rate is the
quote as given (an inverse quote 1 / rate rounded half to even to 12
significant digits), and `amount x rate` rounds half to even to 6 places.
A document's reporting balance at a date is its document-currency balance
converted once. Ratios are floats computed from the exact sums.

Readings (kpi_definitions.md and DECISIONS.md):
- Balance of an INV/DM at the end of day t = amount - applications -
  discounts - adjustments, each taking effect at the later of its own date
  and the document's date; an application whose receipt has a reversal_date
  counts only on the days before it (never, when the reversal is on or before
  the day it takes effect). raw(t) is that; W(t) the write-offs in effect;
  recovered(t) = min(W, max(0, -raw)); balance = raw + recovered.
- Periods: every month from the ledger's first document month to the extract
  date's month, and the quarters and years holding them; a period ends at the
  extract date when that comes first. ar_begin is AR at the day before start.
- Segments: company / currency = the document's; industry, region, country,
  collector = the customer's current values ('(none)' when NULL); size band
  (trailing-12-month credit sales) and risk tier at the period's end.
- Trailing 12 months at date t: documents dated from (t + 1 day) - 12 months
  through t (the 12 calendar months through t when t is a month end).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from reference_ledger import read

REPORTING = "USD"
STALENESS_DAYS = 7
ELECTRONIC = ("email", "portal", "edi")
PAST_DUE_KPI_DAYS = 60
TERMS_GRACE_DAYS = 0
CLOSE_LAG_DAYS = 5
# Aging buckets (standard scheme): upper edges of days past due, inclusive.
BUCKET_EDGES = (0, 30, 60, 90, 120)
SEGMENT_TYPES = (
    "ledger",
    "company",
    "currency",
    "industry",
    "region",
    "country",
    "collector",
    "customer_size_band",
    "risk_tier",
)
DOCUMENT_TYPES = ("company", "currency")
SEED = Path(__file__).resolve().parents[2] / "seeds" / "customer_size_bands.csv"
TABLES = (
    "customers",
    "ar_documents",
    "cash_receipts",
    "cash_applications",
    "adjustments",
    "disputes",
    "collection_activities",
    "customer_feedback",
    "promises_to_pay",
    "fx_rates",
    "working_capital",
)
# The columns of the wide marts the reference computes.
MONEY = [
    "ar_begin",
    "ar_end",
    "current_ar_end",
    "past_due_kpi_ar_end",
    *[f"bucket_{i}_ar_end" for i in range(1, 7)],
    "credit_balances_end",
    "credit_sales",
    "net_credit_sales",
    "write_offs",
    "recoveries",
    "net_write_offs",
    "settled_cash",
    "settled_credit_memos",
    "settled_discounts",
    "settled_other",
    "paid_applied_amount",
    "forecast_error_weight",
    "unforecast_paid_amount",
    "cohort_amount",
    "cohort_at_risk_amount",
    "limit_checked_ar_end",
    "over_limit_ar_end",
    "delivered_amount",
    "electronic_amount",
    "inventory_end",
    "cost_of_goods_sold",
    "ap_end",
    "purchases",
]
COUNTS = [
    "days_in_period",
    "active_account_count",
    "paid_document_count",
    "forecast_error_document_count",
    "unforecast_paid_document_count",
    "over_limit_account_count",
    "limit_left_out_account_count",
    "delivered_document_count",
    "electronic_document_count",
]
RATIOS = [
    "dso_days",
    "best_possible_dso_days",
    "add_days",
    "cei_pct",
    "cash_only_cei_pct",
    "days_beyond_terms_days",
    "within_terms_share_pct",
    "days_to_pay_days",
    "forecast_error_days",
    "due_baseline_error_days",
    "dbt_baseline_error_days",
    "forecast_gain_vs_due_days",
    "forecast_gain_vs_dbt_days",
    "cohort_at_risk_rate_pct",
    "over_limit_ar_share_pct",
    "ar_turnover",
    "ar_turnover_annualised",
    "pct_past_60",
    "bad_debt_ratio_pct",
    "countback_dso_days",
    "dispute_rate_count_pct",
    "dispute_rate_amount_pct",
    "cash_application_lag_median_days",
    "invoice_delivery_median_days",
    "electronic_delivery_share_count_pct",
    "electronic_delivery_share_amount_pct",
    "dio_days",
    "dpo_days",
    "cash_conversion_cycle_days",
    "csat_mean_score",
    "largest_customer_share_pct",
    "hhi",
]
COLUMNS = MONEY + COUNTS + RATIOS
# Not in the wide marts: the split of cohort_at_risk_amount (rpt_billing_cohorts).
COHORT_SPLIT = ["cohort_open_m3_amount", "cohort_net_write_offs_m3_amount"]
KEYS = ["period_grain", "period_start_date", "segment_type", "segment_value"]


# ---- inputs ------------------------------------------------------------------


def inputs_from_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """The contract's tables from an extract folder, cells as text."""
    return {table: read(Path(folder), table) for table in TABLES}


# What a build kept (staged, validated, dated on or before its extract date),
# renamed to the contract's columns: relation, {build column: contract column}.
STAGED = {
    "customers": (
        "staging.stg_erp__customers",
        {"credit_limit_amount": "credit_limit", "credit_currency_code": "credit_currency"},
    ),
    "ar_documents": ("intermediate.int_ar_documents_validated", {"amount_document": "amount"}),
    "cash_receipts": (
        "intermediate.int_cash_receipts_validated",
        {"amount_receipt": "amount", "receipt_status": "status"},
    ),
    "cash_applications": (
        "intermediate.int_cash_applications_validated",
        {
            "applied_amount_document": "applied_amount",
            "discount_amount_document": "discount_amount",
        },
    ),
    "adjustments": (
        "intermediate.int_adjustments_validated",
        {"adjustment_amount_document": "amount"},
    ),
    "disputes": (
        "intermediate.int_disputes_validated",
        {"disputed_amount_document": "disputed_amount"},
    ),
    "collection_activities": (
        "intermediate.int_collection_activities_validated",
        {"activity_at": "activity_ts"},
    ),
    "customer_feedback": ("intermediate.int_customer_feedback_validated", {}),
    "promises_to_pay": (
        "intermediate.int_promises_to_pay_validated",
        {"promise_currency_code": "currency_code"},
    ),
    "fx_rates": (
        "staging.stg_erp__fx_rates",
        {"from_currency_code": "from_currency", "to_currency_code": "to_currency"},
    ),
    "working_capital": (
        "staging.stg_erp__working_capital",
        {
            "inventory_balance_local": "inventory_balance",
            "cost_of_goods_sold_local": "cost_of_goods_sold",
            "ap_balance_local": "ap_balance",
            "purchases_local": "purchases",
        },
    ),
}


def _as_text(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def inputs_from_build(query: Callable[[str], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The rows a build staged and validated (quarantined rows left out),
    read through `query` (e.g. Build.query), as text with contract names.
    Decimals are read as text so that no amount goes through a double."""
    tables = {}
    for table, (relation, renames) in STAGED.items():
        columns = query(
            "select column_name, data_type from information_schema.columns where "
            f"table_schema || '.' || table_name = '{relation}' order by ordinal_position"
        )
        select = ", ".join(
            f'cast("{c}" as varchar) as "{renames.get(c, c)}"'
            if t.startswith("DECIMAL")
            else f'"{c}" as "{renames.get(c, c)}"'
            for c, t in zip(columns["column_name"], columns["data_type"], strict=True)
        )
        frame = query(f"select {select} from {relation}").astype(object)
        tables[table] = frame.apply(lambda col: col.map(_as_text))
    return tables


def size_bands_from_seed(path: Path = SEED) -> list[tuple[str, int | None, int | None]]:
    """(band, min inclusive, max exclusive) in micro-units, in band order."""
    seed = pd.read_csv(path, dtype=str, keep_default_na=False).sort_values(
        "band_order", key=lambda s: s.astype(int)
    )
    edge = lambda v: None if v == "" else _micro(Decimal(v))  # noqa: E731
    return [
        (r.customer_size_band, edge(r.min_trailing_12m_sales), edge(r.max_trailing_12m_sales))
        for r in seed.itertuples()
    ]


# ---- exact money -------------------------------------------------------------


def _micro(value: Decimal) -> int:
    return int(value * 1_000_000)


def _units(text) -> int:
    """A document-currency amount (at most 4 decimals) in 1/10,000."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return 0
    scaled = Decimal(str(text)) * 10_000
    assert scaled == scaled.to_integral_value(), f"more than 4 decimals: {text}"
    return int(scaled)


def _half_even(numerator: int, denominator: int) -> int:
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and q % 2 == 1):
        q += 1
    return q


def to_micro(units: int, rate: Fraction) -> int:
    """units / 10^4 x rate, rounded half to even to 10^-6, in 10^-6."""
    return _half_even(units * rate.numerator * 100, rate.denominator)


class Rates:
    """Rate to the reporting currency on a date: the latest direct or inverse
    quote on or before it, at most STALENESS_DAYS old, direct first on a tie."""

    def __init__(self, fx: pd.DataFrame):
        inverse_context = Context(prec=12, rounding=ROUND_HALF_EVEN)
        best: dict[tuple[str, int], tuple[int, Fraction]] = {}
        for row in fx.itertuples():
            if row.rate is None or pd.isna(row.rate):
                continue
            day = _day(row.rate_date)
            rate = Decimal(str(row.rate))
            if row.to_currency == REPORTING:
                key, priority, value = (row.from_currency, day), 0, rate
            elif row.from_currency == REPORTING:
                key, priority, value = (row.to_currency, day), 1, inverse_context.divide(1, rate)
            else:
                continue  # no cross rates
            if key not in best or priority < best[key][0]:
                best[key] = (priority, Fraction(value))
        self.quotes: dict[str, tuple[list[int], list[Fraction]]] = {}
        for (currency, day), (_, value) in sorted(best.items()):
            days, values = self.quotes.setdefault(currency, ([], []))
            days.append(day)
            values.append(value)
        self._cache: dict[tuple[str, int], Fraction | None] = {}

    def on(self, currency: str, day: int) -> Fraction | None:
        if currency == REPORTING:
            return Fraction(1)
        key = (currency, day)
        if key not in self._cache:
            days, values = self.quotes.get(currency, ([], []))
            i = bisect.bisect_right(days, day) - 1
            usable = i >= 0 and day - days[i] <= STALENESS_DAYS
            self._cache[key] = values[i] if usable else None
        return self._cache[key]


# ---- dates ---------------------------------------------------------------------

EPOCH = dt.date(1970, 1, 1)


def _day(text) -> int:
    """Days since 1970-01-01 of an ISO date or timestamp (text)."""
    return (dt.date.fromisoformat(str(text)[:10]) - EPOCH).days


def _days(series: pd.Series) -> np.ndarray:
    return np.array([-(10**9) if v is None or pd.isna(v) else _day(v) for v in series])


def _date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def _months_back(day: int, months: int) -> int:
    """The day `months` calendar months before (clamped to the month's end)."""
    d = _date(day)
    total = d.year * 12 + d.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return (dt.date(year, month, min(d.day, last)) - EPOCH).days


def _trailing_12m_start(day: int) -> int:
    return _months_back(day + 1, 12)


def _m3_end(month_start: int) -> int:
    """The last day of month m+3 for month m starting on month_start."""
    d = _date(month_start)
    months = d.year * 12 + d.month - 1 + 4
    return (dt.date(months // 12, months % 12 + 1, 1) - EPOCH).days - 1


def _periods(first_day: int, extract_day: int) -> pd.DataFrame:
    """Months, quarters and years from the first document's month to the
    extract date's; a period cut by the extract date ends there."""
    first, last = _date(first_day).replace(day=1), _date(extract_day)
    rows = []
    month = first
    while month <= last:
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
        next_quarter = (quarter + dt.timedelta(days=95)).replace(day=1)
        year = month.replace(month=1)
        for grain, start, following in (
            ("month", month, next_month),
            ("quarter", quarter, next_quarter),
            ("year", year, year.replace(year=year.year + 1)),
        ):
            calendar_end = following - dt.timedelta(days=1)
            rows.append(
                {
                    "period_grain": grain,
                    "start": (start - EPOCH).days,
                    "end": (min(calendar_end, last) - EPOCH).days,
                    "end_month": ((min(calendar_end, last).replace(day=1)) - EPOCH).days,
                }
            )
        month = next_month
    periods = pd.DataFrame(rows).drop_duplicates(["period_grain", "start"], ignore_index=True)
    periods["begin"] = periods["start"] - 1
    periods["days_in_period"] = periods["end"] - periods["start"] + 1
    return periods


# ---- the reference -------------------------------------------------------------


class ReferenceKpis:
    """Every wide-mart KPI per period grain and segment, from the inputs."""

    def __init__(
        self,
        inputs: dict[str, pd.DataFrame],
        risk_tiers: pd.DataFrame | None = None,
        size_bands: list | None = None,
        forecasts: pd.DataFrame | None = None,
    ):
        self.size_bands = size_bands if size_bands is not None else size_bands_from_seed()
        self._load(inputs)
        self._balances()
        self._payments()
        self._forecast_errors(forecasts)
        self.risk_tiers = {}
        if risk_tiers is not None:
            for row in risk_tiers.itertuples():
                d = pd.Timestamp(row.month_end_date)
                self.risk_tiers[(row.customer_id, d.year * 12 + d.month - 1)] = row.risk_tier
                self.known_values["risk_tier"].add(row.risk_tier)

    # -- loading and validation (what staging would keep of clean files) --

    def _load(self, inputs: dict[str, pd.DataFrame]) -> None:
        def table(name, columns):
            frame = inputs.get(name)
            if frame is None or frame.empty:
                return pd.DataFrame(columns=columns)
            for column in columns:
                if column not in frame.columns:
                    frame = frame.assign(**{column: None})
            return frame.reset_index(drop=True)

        customers = table(
            "customers",
            [
                "customer_id",
                "parent_customer_id",
                "industry",
                "country_code",
                "region",
                "collector_id",
                "credit_limit",
                "credit_currency",
            ],
        )
        docs = table(
            "ar_documents",
            [
                "document_id",
                "document_type",
                "customer_id",
                "company_code",
                "document_date",
                "due_date",
                "currency_code",
                "amount",
                "sent_date",
                "delivery_channel",
            ],
        )
        receipts = table(
            "cash_receipts", ["receipt_id", "receipt_date", "currency_code", "reversal_date"]
        )
        apps = table(
            "cash_applications",
            [
                "document_id",
                "source_type",
                "source_id",
                "application_date",
                "applied_amount",
                "discount_amount",
            ],
        )
        adjustments = table(
            "adjustments", ["document_id", "adjustment_date", "adjustment_type", "amount"]
        )
        disputes = table(
            "disputes", ["document_id", "disputed_amount", "opened_date", "resolved_date"]
        )
        activities = table("collection_activities", ["activity_ts"])
        feedback = table("customer_feedback", ["customer_id", "responded_at", "csat_score"])
        rates = Rates(table("fx_rates", ["rate_date", "from_currency", "to_currency", "rate"]))
        self.rates = rates
        self.working_capital = table(
            "working_capital",
            [
                "company_code",
                "month_end_date",
                "currency_code",
                "inventory_balance",
                "cost_of_goods_sold",
                "ap_balance",
                "purchases",
            ],
        )

        # Extract date: the latest date of the extract (nothing exists after it).
        dated = [
            _days(docs["document_date"]),
            _days(apps["application_date"]),
            _days(receipts["receipt_date"]),
            _days(receipts["reversal_date"]),
            _days(adjustments["adjustment_date"]),
            _days(disputes["opened_date"]),
            _days(disputes["resolved_date"]),
            _days(activities["activity_ts"]),
            _days(feedback["responded_at"]),
        ]
        self.extract_day = int(max(d.max() for d in dated if len(d)))
        ext = self.extract_day

        # Customers: current attributes, '(none)' when NULL.
        customers = customers.drop_duplicates("customer_id").set_index("customer_id")
        self.attributes = pd.DataFrame(
            {
                "industry": customers["industry"].fillna("(none)"),
                "region": customers["region"].fillna("(none)"),
                "country": customers["country_code"].fillna("(none)"),
                "collector": customers["collector_id"].fillna("(none)"),
            }
        )
        # Credit limits (v2): the limit in 1/10,000 of its currency, or None.
        self.credit_limits = {
            customer: (None if pd.isna(limit) else _units(limit), currency)
            for customer, limit, currency in zip(
                customers.index,
                customers["credit_limit"],
                customers["credit_currency"],
                strict=True,
            )
        }
        self.group_of = (
            customers["parent_customer_id"]
            .where(customers["parent_customer_id"].notna(), customers.index.to_series())
            .to_dict()
        )

        # Documents with a usable rate and a known customer.
        docs = docs.assign(
            day=_days(docs["document_date"]),
            due=_days(docs["due_date"]),
            sent=np.where(docs["sent_date"].notna(), _days(docs["sent_date"]), np.nan),
        )
        # A delivery dated after the extract date is not known yet.
        docs.loc[docs["sent"] > ext, "sent"] = np.nan
        docs = docs[(docs["day"] <= ext) & docs["customer_id"].isin(customers.index)]
        docs = docs.assign(
            rate=[rates.on(c, d) for c, d in zip(docs.currency_code, docs.day, strict=True)]
        )
        docs = docs[docs["rate"].notna()].reset_index(drop=True)
        docs["units"] = [_units(a) for a in docs["amount"]]
        docs["amount_micro"] = [to_micro(u, r) for u, r in zip(docs.units, docs.rate, strict=True)]
        self.first_day = int(docs["day"].min())
        self.docs = docs
        receivable = docs[docs["document_type"].isin(["INV", "DM"])].reset_index(drop=True)
        self.items = receivable
        index_of = {d: i for i, d in enumerate(receivable["document_id"])}
        credit_memos = docs.loc[docs["document_type"] == "CM"].set_index("document_id")

        receipts = receipts.assign(
            day=_days(receipts["receipt_date"]), reversal=_days(receipts["reversal_date"])
        )
        receipts = receipts[receipts["day"] <= ext]
        receipts = receipts[
            [
                rates.on(c, d) is not None
                for c, d in zip(receipts.currency_code, receipts.day, strict=True)
            ]
        ].set_index("receipt_id")
        # Every segment value the ledger knows (a row per period for each, so
        # that a segment with no facts in a period still compares).
        self.known_values = {
            "ledger": {"all"},
            "company": set(docs["company_code"]) | set(receipts["company_code"].dropna()),
            "currency": set(docs["currency_code"]) | set(receipts["currency_code"].dropna()),
            **{kind: set(self.attributes[kind]) for kind in self.attributes.columns},
            "customer_size_band": {name for name, _, _ in self.size_bands},
            "risk_tier": set(),
        }
        # A reversal dated after the extract date is not known yet.
        receipts.loc[receipts["reversal"] > ext, "reversal"] = -(10**9)

        # Applications: to a kept INV/DM, from a kept receipt or credit memo of
        # the target's currency (otherwise quarantined).
        apps = apps.assign(day=_days(apps["application_date"]))
        apps = apps[(apps["day"] <= ext) & apps["document_id"].isin(index_of)]
        is_receipt = apps["source_type"] == "receipt"
        source_currency = np.where(
            is_receipt,
            apps["source_id"].map(receipts["currency_code"]),
            apps["source_id"].map(credit_memos["currency_code"]),
        )
        target = apps["document_id"].map(index_of).astype(int)
        apps = apps.assign(
            item=target,
            source_currency=source_currency,
            receipt_day=np.where(is_receipt, apps["source_id"].map(receipts["day"]), np.nan),
            reversal=np.where(is_receipt, apps["source_id"].map(receipts["reversal"]), np.nan),
        )
        apps = apps[
            apps["source_currency"].notna()
            & (
                apps["source_currency"].to_numpy()
                == receivable["currency_code"].to_numpy()[apps["item"].to_numpy()]
            )
        ].reset_index(drop=True)
        apps["applied_units"] = [_units(a) for a in apps.applied_amount]
        apps["discount_units"] = [_units(d) for d in apps.discount_amount]
        apps["units"] = apps["applied_units"] + apps["discount_units"]
        doc_day = receivable["day"].to_numpy()
        apps["effective"] = np.maximum(apps["day"].to_numpy(), doc_day[apps["item"].to_numpy()])
        reversal = apps["reversal"].fillna(-(10**9)).to_numpy()
        apps["reversed_from"] = np.where(reversal > -(10**9), reversal, np.nan)
        # Counted at all: not on or after its receipt's reversal.
        apps["is_counted"] = ~(
            apps["reversed_from"].notna() & (apps["reversed_from"] <= apps["effective"])
        )
        self.apps = apps

        adjustments = adjustments.assign(day=_days(adjustments["adjustment_date"]))
        adjustments = adjustments[
            (adjustments["day"] <= ext) & adjustments["document_id"].isin(index_of)
        ].reset_index(drop=True)
        adjustments["item"] = adjustments["document_id"].map(index_of).astype(int)
        adjustments["units"] = [_units(a) for a in adjustments["amount"]]
        adjustments["effective"] = np.maximum(
            adjustments["day"].to_numpy(), doc_day[adjustments["item"].to_numpy()]
        )
        self.adjustments = adjustments

        # Disputes opened by the extract date, on kept documents.
        disputes = disputes.assign(opened=_days(disputes["opened_date"]))
        disputes = disputes[(disputes["opened"] <= ext)]
        disputes = disputes.assign(units=[_units(a) for a in disputes["disputed_amount"]])
        self.disputed_units = disputes.groupby("document_id")["units"].sum()

        feedback = feedback.assign(day=_days(feedback["responded_at"]))
        feedback = feedback[
            (feedback["day"] <= ext) & feedback["customer_id"].isin(customers.index)
        ]
        self.feedback = feedback.assign(score=feedback["csat_score"].astype(float).astype(int))

        self.periods = _periods(self.first_day, ext)

    # -- balances at every date a period begins or ends --

    def _balances(self) -> None:
        items, apps, adj = self.items, self.apps, self.adjustments
        self.as_of = np.array(sorted(set(self.periods["begin"]) | set(self.periods["end"])))
        n, m = len(items), len(self.as_of)
        delta = np.zeros((n, m + 1), dtype=np.int64)
        written = np.zeros((n, m + 1), dtype=np.int64)

        def add(matrix, item, day, amount):
            column = np.searchsorted(self.as_of, day, side="left")
            np.add.at(matrix, (item, column), amount)

        counted = apps[apps["is_counted"]]
        add(
            delta,
            counted["item"].to_numpy(),
            counted["effective"].to_numpy(),
            -counted["units"].to_numpy(dtype=np.int64),
        )
        undone = counted[counted["reversed_from"].notna()]
        add(
            delta,
            undone["item"].to_numpy(),
            undone["reversed_from"].to_numpy().astype(int),
            undone["units"].to_numpy(dtype=np.int64),
        )
        add(
            delta,
            adj["item"].to_numpy(),
            adj["effective"].to_numpy(),
            -adj["units"].to_numpy(dtype=np.int64),
        )
        wo = adj[adj["adjustment_type"] == "write_off"]
        add(
            written,
            wo["item"].to_numpy(),
            wo["effective"].to_numpy(),
            wo["units"].to_numpy(dtype=np.int64),
        )

        exists = items["day"].to_numpy()[:, None] <= self.as_of[None, :]
        raw = items["units"].to_numpy(dtype=np.int64)[:, None] + np.cumsum(delta, axis=1)[:, :m]
        w = np.cumsum(written, axis=1)[:, :m]
        recovered = np.minimum(w, np.maximum(0, -raw))
        balance = np.where(exists, raw + recovered, 0)
        recovered = np.where(exists, recovered, 0)

        def cells(matrix):
            item, column = np.nonzero(matrix)
            values = matrix[item, column]
            micro = self._micro_of(values, item)
            return pd.DataFrame({"item": item, "column": column, "units": values, "micro": micro})

        self.open_cells = cells(balance)
        self.recovered_cells = cells(recovered)

    def closing_rate_ar(self) -> pd.DataFrame:
        """The closing-rate view of AR (kpi_definitions.md v2): per as-of
        date (each month end before the extract date, and the extract date),
        company and currency, AR in document-currency units, at historical
        rates (micro) and at the closing rate: the currency's total x the
        rate lookup at that date, rounded half to even (None without a
        usable quote)."""
        cells = self.open_cells
        day = self.as_of[cells["column"].to_numpy()]
        month_end = np.array([_date(int(d) + 1).day == 1 for d in day], dtype=bool)
        keep = (month_end & (day < self.extract_day)) | (day == self.extract_day)
        rows = pd.DataFrame(
            {
                "day": day[keep],
                "company_code": self.items["company_code"].to_numpy()[cells["item"][keep]],
                "currency_code": self.items["currency_code"].to_numpy()[cells["item"][keep]],
                "units": cells["units"][keep].to_numpy(),
                "micro": cells["micro"][keep].to_numpy(),
            }
        )
        grouped = rows.groupby(["day", "company_code", "currency_code"], as_index=False).sum()
        grouped = grouped[grouped["units"] != 0]
        closing = []
        for row in grouped.itertuples():
            rate = self.rates.on(row.currency_code, int(row.day))
            closing.append(None if rate is None else to_micro(int(row.units), rate))
        return grouped.assign(
            as_of_date=[_date(int(d)).isoformat() for d in grouped["day"]],
            closing_micro=pd.Series(closing, index=grouped.index, dtype=object),
        ).drop(columns="day")

    def _micro_of(self, units, item) -> np.ndarray:
        """Document-currency units of INV/DM `item`s in reporting micro-units,
        each converted on its own at its document's rate."""
        rate = self.items["rate"].to_numpy()
        return np.array(
            [to_micro(int(u), rate[i]) for u, i in zip(units, item, strict=True)],
            dtype=np.int64,
        )

    def _m3_closed(self, period) -> bool:
        """Month m+3 of a month period is closed (close_lag_days past its end)."""
        return self.extract_day >= _m3_end(period.start) + CLOSE_LAG_DAYS

    # -- documents paid, for days beyond terms --

    def _payments(self) -> None:
        """The receipt applications of every "paid" INV/DM (D77): on the
        timeline without the applications whose receipts were reversed by
        the extract date, its balance first reached <= 0 on the paid day, and
        it has no write-off. Each standing receipt application weighs its
        applied amount converted, at its own date."""
        items, apps, adj = self.items, self.apps, self.adjustments
        standing = apps[apps["is_counted"] & apps["reversed_from"].isna()]
        written_off = set(adj.loc[adj["adjustment_type"] == "write_off", "item"])
        changes: dict[int, dict[int, int]] = {}
        for item, day, units in zip(items.index, items["day"], items["units"], strict=True):
            changes[item] = {int(day): int(units)}
        for frame in (standing, adj):
            for item, day, units in zip(
                frame["item"], frame["effective"], frame["units"], strict=True
            ):
                timeline = changes[int(item)]
                timeline[int(day)] = timeline.get(int(day), 0) - int(units)
        self.paid_day = paid_day = {}
        for item, timeline in changes.items():
            if item in written_off:
                continue
            balance = 0
            for day in sorted(timeline):
                balance += timeline[day]
                if balance <= 0:
                    paid_day[item] = day
                    break
        cash = standing[
            (standing["source_type"] == "receipt") & standing["item"].isin(paid_day.keys())
        ]
        due = items["due"].to_numpy()
        issued = items["day"].to_numpy()
        item = cash["item"].to_numpy()
        day = cash["day"].to_numpy().astype(int)
        first = ~pd.Series(item).duplicated().to_numpy()
        self.payments = pd.DataFrame(
            {
                "item": item,
                "paid_day": [paid_day[i] for i in item],
                "paid_document_count": first.astype(int),
                "weight": self._micro_of(cash["applied_units"], item),
                "beyond": day - due[item],
                "to_pay": day - issued[item],
            }
        )

    def _forecast_errors(self, forecasts: pd.DataFrame | None) -> None:
        """Forecast error in days (v2), per document "paid" (as in days
        beyond terms) that had a positive balance at the end of the month
        before the one it was paid in: its weight (that balance), and the
        absolute days between the paid day and the date expected at that
        month end by the project (`forecasts`, as_of_date, document_id,
        expected_collection_date; unforecast when absent or NULL), by the due
        date (the next day when due by that month end) and by the due date plus
        the customer's days beyond terms over the documents paid in the 12
        months through that month end (the ledger's when the customer has
        none, else 0), rounded half away from zero (the next day when that
        date has passed)."""
        expected = {}
        if forecasts is not None:
            for row in forecasts.itertuples():
                day = (
                    None
                    if pd.isna(row.expected_collection_date)
                    else _day(row.expected_collection_date)
                )
                expected[(_day(row.as_of_date), row.document_id)] = day
        balance = {
            (int(i), int(c)): int(m)
            for i, c, u, m in zip(
                self.open_cells["item"],
                self.open_cells["column"],
                self.open_cells["units"],
                self.open_cells["micro"],
                strict=True,
            )
            if u > 0
        }
        payments = self.payments
        customer_of = self.items["customer_id"].to_numpy()
        due = self.items["due"].to_numpy()
        document_of = self.items["document_id"].to_numpy()
        windows: dict[int, tuple[dict, Fraction | None]] = {}

        def trailing(as_of: int) -> tuple[dict, Fraction | None]:
            if as_of not in windows:
                inside = payments[
                    (payments["paid_day"] >= _trailing_12m_start(as_of))
                    & (payments["paid_day"] <= as_of)
                ]
                weight = inside["weight"].to_numpy(dtype=object)
                days = weight * inside["beyond"].to_numpy(dtype=object)
                per = (
                    pd.DataFrame(
                        {"customer": customer_of[inside["item"].to_numpy()], "w": weight, "x": days}
                    )
                    .groupby("customer")[["w", "x"]]
                    .sum()
                )
                customer = {c: Fraction(int(r.x), int(r.w)) for c, r in per.iterrows() if r.w}
                total = int(per["w"].sum()) if len(per) else 0
                ledger = Fraction(int(per["x"].sum()), total) if total else None
                windows[as_of] = (customer, ledger)
            return windows[as_of]

        def half_away(value: Fraction) -> int:
            whole = int(abs(value) + Fraction(1, 2))
            return whole if value >= 0 else -whole

        rows = []
        for item, paid in self.paid_day.items():
            as_of = paid - _date(paid).day  # the previous month end
            column = int(np.searchsorted(self.as_of, as_of))
            if column >= len(self.as_of) or self.as_of[column] != as_of:
                continue
            weight = balance.get((item, column))
            if weight is None:
                continue
            customer, ledger = trailing(as_of)
            shift = customer.get(customer_of[item], ledger)
            dbt_day = int(due[item]) + (half_away(shift) if shift is not None else 0)
            dbt_day = dbt_day if dbt_day > as_of else as_of + 1
            due_day = int(due[item]) if due[item] > as_of else as_of + 1
            project = expected.get((as_of, document_of[item]))
            rows.append(
                {
                    "item": item,
                    "paid_day": paid,
                    "weight": weight,
                    "forecast": project is not None,
                    "project": abs(paid - project) if project is not None else 0,
                    "due": abs(paid - due_day),
                    "dbt": abs(paid - dbt_day),
                }
            )
        self.forecast_errors = pd.DataFrame(
            rows, columns=["item", "paid_day", "weight", "forecast", "project", "due", "dbt"]
        )

    # -- per period: one row per document (or response) and fact --

    def _attributes_at(self, end: int) -> pd.DataFrame:
        """Each customer's segment values at a period end (size band from
        trailing-12-month credit sales, risk tier scored at that month end)."""
        docs = self.items
        window = (docs["day"] >= _trailing_12m_start(end)) & (docs["day"] <= end)
        sales = docs.loc[window].groupby("customer_id")["amount_micro"].sum()
        sales = sales.reindex(self.attributes.index, fill_value=0)
        band = pd.Series(None, index=sales.index, dtype=object)
        for name, low, high in self.size_bands:
            inside = (sales >= low if low is not None else True) & (
                sales < high if high is not None else True
            )
            band[inside & band.isna()] = name
        d = _date(end)
        month = d.year * 12 + d.month - 1
        tier = [self.risk_tiers.get((c, month)) for c in self.attributes.index]
        return self.attributes.assign(customer_size_band=band, risk_tier=tier)

    def _document_rows(self, period) -> pd.DataFrame:
        """Additive facts of the period, one row per document event."""
        items, docs = self.items, self.docs
        start, end, begin = period.start, period.end, period.begin
        end_col = int(np.searchsorted(self.as_of, end))
        begin_col = int(np.searchsorted(self.as_of, begin))
        frames = []

        at_end = self.open_cells[self.open_cells["column"] == end_col]
        past_due = end - items["due"].to_numpy()[at_end["item"].to_numpy()]
        bucket = np.searchsorted(np.array(BUCKET_EDGES), past_due, side="left") + 1
        micro = at_end["micro"].to_numpy(dtype=np.int64)
        end_rows = pd.DataFrame(
            {
                "item": at_end["item"].to_numpy(),
                "ar_end": micro,
                "current_ar_end": np.where(past_due <= 0, micro, 0),
                "past_due_kpi_ar_end": np.where(past_due > PAST_DUE_KPI_DAYS, micro, 0),
                "credit_balances_end": np.where(micro < 0, micro, 0),
                "open_at_end": 1,
            }
        )
        for i in range(1, 7):
            end_rows[f"bucket_{i}_ar_end"] = np.where(bucket == i, micro, 0)
        frames.append(end_rows)

        at_begin = self.open_cells[self.open_cells["column"] == begin_col]
        frames.append(
            pd.DataFrame(
                {
                    "item": at_begin["item"].to_numpy(),
                    "ar_begin": at_begin["micro"].to_numpy(dtype=np.int64),
                    "open_at_begin": 1,
                }
            )
        )

        rec = self.recovered_cells
        rec_end = rec[rec["column"] == end_col]
        rec_begin = rec[rec["column"] == begin_col]
        frames.append(
            pd.DataFrame(
                {
                    "item": rec_end["item"].to_numpy(),
                    "recoveries": rec_end["micro"].to_numpy(dtype=np.int64),
                }
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "item": rec_begin["item"].to_numpy(),
                    "recoveries": -rec_begin["micro"].to_numpy(dtype=np.int64),
                }
            )
        )

        adj = self.adjustments
        wo = adj[
            (adj["adjustment_type"] == "write_off")
            & (adj["effective"] >= start)
            & (adj["effective"] <= end)
        ]
        micro_of = self._micro_of
        frames.append(
            pd.DataFrame(
                {
                    "item": wo["item"].to_numpy(),
                    "write_offs": micro_of(wo["units"], wo["item"]),
                    "write_off_event": 1,
                }
            )
        )

        # Settlement mix (v2): what each kind of event took off INV/DM balances
        # in the period, each converted on its own; a reversal gives back its
        # application's cash and discount on the reversal date.
        apps = self.apps
        counted = apps[apps["is_counted"]]
        taken = counted[(counted["effective"] >= start) & (counted["effective"] <= end)]
        given_back = counted[
            counted["reversed_from"].notna()
            & (counted["reversed_from"] >= start)
            & (counted["reversed_from"] <= end)
        ]

        is_cash = (taken["source_type"] == "receipt").to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "item": taken["item"].to_numpy(),
                    "settled_cash": np.where(
                        is_cash, micro_of(taken["applied_units"], taken["item"]), 0
                    ),
                    "settled_credit_memos": np.where(
                        is_cash, 0, micro_of(taken["applied_units"], taken["item"])
                    ),
                    "settled_discounts": micro_of(taken["discount_units"], taken["item"]),
                }
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "item": given_back["item"].to_numpy(),
                    "settled_cash": -micro_of(given_back["applied_units"], given_back["item"]),
                    "settled_discounts": -micro_of(
                        given_back["discount_units"], given_back["item"]
                    ),
                }
            )
        )
        other = adj[
            adj["adjustment_type"].isin(["small_balance", "other"])
            & (adj["effective"] >= start)
            & (adj["effective"] <= end)
        ]
        frames.append(
            pd.DataFrame(
                {
                    "item": other["item"].to_numpy(),
                    "settled_other": micro_of(other["units"], other["item"]),
                }
            )
        )

        paid = self.payments[
            (self.payments["paid_day"] >= start) & (self.payments["paid_day"] <= end)
        ]
        weight = paid["weight"].to_numpy(dtype=np.int64)
        frames.append(
            pd.DataFrame(
                {
                    "item": paid["item"].to_numpy(),
                    "paid_document_count": paid["paid_document_count"].to_numpy(),
                    "paid_applied_amount": weight,
                    "paid_x_beyond": weight * paid["beyond"].to_numpy(dtype=np.int64),
                    "paid_within": np.where(
                        paid["beyond"].to_numpy() <= TERMS_GRACE_DAYS, weight, 0
                    ),
                    "paid_x_to_pay": weight * paid["to_pay"].to_numpy(dtype=np.int64),
                }
            )
        )

        errors = self.forecast_errors[
            (self.forecast_errors["paid_day"] >= start) & (self.forecast_errors["paid_day"] <= end)
        ]
        forecast = errors["forecast"].to_numpy(dtype=bool)
        weight = errors["weight"].to_numpy(dtype=np.int64)
        frames.append(
            pd.DataFrame(
                {
                    "item": errors["item"].to_numpy(),
                    "forecast_error_document_count": forecast.astype(int),
                    "forecast_error_weight": np.where(forecast, weight, 0),
                    **{
                        f"{method}_x_error": np.where(
                            forecast, weight * errors[method].to_numpy(dtype=np.int64), 0
                        )
                        for method in ("project", "due", "dbt")
                    },
                    "unforecast_paid_document_count": (~forecast).astype(int),
                    "unforecast_paid_amount": np.where(forecast, 0, weight),
                }
            )
        )

        # Billing cohort (v2), on month rows: the INV/DM issued in the month;
        # once month m+3 is closed, their positive balances at its end plus
        # their write-offs through it minus what was recovered by then.
        is_month = period.period_grain == "month"
        cohort = items[(items["day"] >= start) & (items["day"] <= end) & is_month]
        open_m3 = np.zeros(len(cohort), dtype=np.int64)
        written_off_m3 = np.zeros(len(cohort), dtype=np.int64)
        if is_month and self._m3_closed(period):
            m3_end = _m3_end(start)
            m3_col = int(np.searchsorted(self.as_of, m3_end))
            assert self.as_of[m3_col] == m3_end
            position = cohort.index.get_indexer
            cells = self.open_cells
            held = cells[(cells["column"] == m3_col) & cells["item"].isin(cohort.index)]
            np.add.at(
                open_m3,
                position(held["item"]),
                np.maximum(held["micro"].to_numpy(dtype=np.int64), 0),
            )
            cells = self.recovered_cells
            held = cells[(cells["column"] == m3_col) & cells["item"].isin(cohort.index)]
            np.add.at(
                written_off_m3, position(held["item"]), -held["micro"].to_numpy(dtype=np.int64)
            )
            written = adj[
                (adj["adjustment_type"] == "write_off")
                & (adj["effective"] <= m3_end)
                & adj["item"].isin(cohort.index)
            ]
            np.add.at(
                written_off_m3,
                position(written["item"]),
                micro_of(written["units"], written["item"]),
            )
        frames.append(
            pd.DataFrame(
                {
                    "item": cohort.index.to_numpy(),
                    "cohort_amount": cohort["amount_micro"].to_numpy(dtype=np.int64),
                    "cohort_at_risk_amount": open_m3 + written_off_m3,
                    # rpt_billing_cohorts' split and count.
                    "cohort_open_m3_amount": open_m3,
                    "cohort_net_write_offs_m3_amount": written_off_m3,
                    "cohort_document_count": 1,
                }
            )
        )

        # Cash application lag: receipt applications by their own date, but
        # not one dated on or after its receipt's reversal (it never counted).
        happened = apps["reversed_from"].isna() | (apps["day"] < apps["reversed_from"])
        paid = apps[
            (apps["source_type"] == "receipt")
            & happened
            & (apps["day"] >= start)
            & (apps["day"] <= end)
        ]
        frames.append(
            pd.DataFrame(
                {
                    "item": paid["item"].to_numpy(),
                    "lag_days": (paid["day"] - paid["receipt_day"]).to_numpy(dtype=float),
                }
            )
        )
        rows = pd.concat(frames, ignore_index=True)
        rows = rows.join(items[["customer_id", "company_code", "currency_code"]], on="item")

        # Documents issued in the period (credit memos too, for net sales).
        issued = docs[(docs["day"] >= start) & (docs["day"] <= end)]
        invoice = (issued["document_type"] == "INV").to_numpy()
        receivable = issued["document_type"].isin(["INV", "DM"]).to_numpy()
        disputed = issued["document_id"].isin(self.disputed_units.index).to_numpy() & invoice
        disputed_micro = [
            to_micro(int(self.disputed_units.get(d, 0)), r) if x else 0
            for d, r, x in zip(issued["document_id"], issued["rate"], disputed, strict=True)
        ]
        amount = issued["amount_micro"].to_numpy(dtype=np.int64)
        # Invoice delivery (v2): INV/DM with a sent_date; electronic channels.
        delivered = receivable & issued["sent"].notna().to_numpy()
        electronic = delivered & issued["delivery_channel"].isin(ELECTRONIC).to_numpy()
        issued_rows = pd.DataFrame(
            {
                "customer_id": issued["customer_id"].to_numpy(),
                "company_code": issued["company_code"].to_numpy(),
                "currency_code": issued["currency_code"].to_numpy(),
                "credit_sales": np.where(receivable, amount, 0),
                "net_credit_sales": amount,
                "invoice_count": invoice.astype(int),
                "invoiced_amount": np.where(invoice, amount, 0),
                "disputed_invoice_count": disputed.astype(int),
                "disputed_amount": np.array(disputed_micro, dtype=np.int64),
                "delivered_document_count": delivered.astype(int),
                "delivered_amount": np.where(delivered, amount, 0),
                "electronic_document_count": electronic.astype(int),
                "electronic_amount": np.where(electronic, amount, 0),
                "delivery_days": np.where(
                    delivered, (issued["sent"] - issued["day"]).to_numpy(dtype=float), np.nan
                ),
                "issued": 1,
            }
        )
        feedback = self.feedback[(self.feedback["day"] >= start) & (self.feedback["day"] <= end)]
        feedback_rows = pd.DataFrame(
            {
                "customer_id": feedback["customer_id"].to_numpy(),
                "csat_sum": feedback["score"].to_numpy(),
                "csat_count": 1,
            }
        )
        rows = pd.concat([rows.drop(columns="item"), issued_rows, feedback_rows], ignore_index=True)
        counted = [
            c
            for c in rows.columns
            if c
            not in ("customer_id", "company_code", "currency_code", "lag_days", "delivery_days")
        ]
        rows[counted] = rows[counted].fillna(0).astype(np.int64)
        return rows

    # -- segments --

    def _segment_value(self, rows: pd.DataFrame, attributes: pd.DataFrame, kind: str):
        if kind == "ledger":
            return pd.Series("all", index=rows.index)
        if kind == "company":
            return rows["company_code"]
        if kind == "currency":
            return rows["currency_code"]
        return rows["customer_id"].map(attributes[kind])

    def compute(self) -> pd.DataFrame:
        """One row per period grain, period start, segment type and value,
        with the wide marts' columns (money in reporting currency as floats
        of exact sums; NULL as NaN) and has_facts (the segment has a balance,
        document, write-off, recovery, receipt application or survey
        response in it)."""
        out = []
        for period in self.periods.itertuples():
            attributes = self._attributes_at(period.end)
            rows = self._document_rows(period)
            active = self._active_accounts(period.end)
            end_col = int(np.searchsorted(self.as_of, period.end))
            for kind in SEGMENT_TYPES:
                segment = self._segment_value(rows, attributes, kind)
                keep = segment.notna()
                if kind in DOCUMENT_TYPES:  # survey responses have no company or currency
                    keep &= rows["customer_id"].notna() & rows["company_code"].notna()
                part = rows[keep].assign(segment_value=segment[keep])
                sums = part.groupby("segment_value").agg(
                    {
                        c: "sum"
                        for c in part.columns
                        if c
                        not in (
                            "customer_id",
                            "company_code",
                            "currency_code",
                            "segment_value",
                            "lag_days",
                            "delivery_days",
                        )
                    }
                )
                lags = part.groupby("segment_value")["lag_days"].median()
                deliveries = part.groupby("segment_value")["delivery_days"].median()
                counted = active.assign(
                    segment_value=self._segment_value(active, attributes, kind)
                ).dropna(subset=["segment_value"])
                active_count = counted.groupby("segment_value")["customer_id"].nunique()
                concentration = self._concentration(end_col, attributes, kind)
                limits = self._credit_limits(end_col, period.end, attributes, kind)
                sums = sums.reindex(sorted(set(sums.index) | self.known_values[kind]), fill_value=0)
                for value, facts in sums.iterrows():
                    row = self._row(
                        period,
                        kind,
                        value,
                        facts,
                        lags.get(value, np.nan),
                        int(active_count.get(value, 0)),
                        concentration.get(value),
                        limits.get(value, (0, 0, 0, 0)),
                    )
                    row["invoice_delivery_median_days"] = deliveries.get(value, np.nan)
                    out.append(row)
        frame = self._with_cash_conversion_cycle(pd.DataFrame(out))
        frame = self._with_countback(frame)
        return frame.sort_values(KEYS, ignore_index=True)

    def _active_accounts(self, end: int) -> pd.DataFrame:
        """(customer, company, currency) with an open INV/DM at the end or a
        document issued in the trailing 12 months."""
        end_col = int(np.searchsorted(self.as_of, end))
        open_items = self.open_cells.loc[self.open_cells["column"] == end_col, "item"]
        held = self.items.iloc[open_items.to_numpy()][
            ["customer_id", "company_code", "currency_code"]
        ]
        docs = self.docs
        recent = docs[(docs["day"] >= _trailing_12m_start(end)) & (docs["day"] <= end)][
            ["customer_id", "company_code", "currency_code"]
        ]
        return pd.concat([held, recent]).drop_duplicates(ignore_index=True)

    def _concentration(self, end_col: int, attributes: pd.DataFrame, kind: str) -> dict:
        """Largest group share and HHI of positive customer-group balances."""
        cells = self.open_cells[self.open_cells["column"] == end_col]
        held = self.items.iloc[cells["item"].to_numpy()][
            ["customer_id", "company_code", "currency_code"]
        ].reset_index(drop=True)
        held["micro"] = cells["micro"].to_numpy()
        held["segment_value"] = self._segment_value(held, attributes, kind)
        held["group"] = held["customer_id"].map(self.group_of)
        groups = (
            held.dropna(subset=["segment_value"]).groupby(["segment_value", "group"])["micro"].sum()
        )
        result = {}
        for value, balances in groups.groupby(level=0):
            positive = [int(b) for b in balances if b > 0]
            if not positive:
                result[value] = (np.nan, np.nan)
                continue
            total = sum(positive)
            result[value] = (
                float(Fraction(max(positive), total)) * 100,
                float(Fraction(sum(b * b for b in positive), total * total)) * 10_000,
            )
        return result

    def _credit_limits(self, end_col: int, end: int, attributes: pd.DataFrame, kind: str) -> dict:
        """Credit-limit use at a period end (v2): per segment value, the
        closing-rate AR of customers with a usable limit, of those above it,
        and the customers over limit and left out that owe something there.
        A customer's positive INV/DM balances are summed per company and
        currency and converted at the closing rate; it is over limit as a
        whole; a limit of None or <= 0, or a missing closing rate for its AR
        or its limit, leaves it out."""
        cells = self.open_cells[
            (self.open_cells["column"] == end_col) & (self.open_cells["units"] > 0)
        ]
        held = self.items.iloc[cells["item"].to_numpy()][
            ["customer_id", "company_code", "currency_code"]
        ].reset_index(drop=True)
        held["units"] = cells["units"].to_numpy()
        slices = held.groupby(["customer_id", "company_code", "currency_code"], as_index=False)[
            "units"
        ].sum()
        closing = []
        for row in slices.itertuples():
            rate = self.rates.on(row.currency_code, end)
            closing.append(None if rate is None else to_micro(int(row.units), rate))
        slices["closing"] = pd.Series(closing, index=slices.index, dtype=object)
        status = {}  # customer -> True (over), False (within), None (left out)
        for customer, part in slices.groupby("customer_id"):
            limit, currency = self.credit_limits.get(customer, (None, None))
            rate = None if currency is None or pd.isna(currency) else self.rates.on(currency, end)
            if limit is None or limit <= 0 or rate is None or part["closing"].isna().any():
                status[customer] = None
            else:
                status[customer] = sum(int(c) for c in part["closing"]) > to_micro(limit, rate)
        slices["status"] = slices["customer_id"].map(status)
        slices["segment_value"] = self._segment_value(slices, attributes, kind)
        result = {}
        for value, part in slices.dropna(subset=["segment_value"]).groupby("segment_value"):
            counted = part[part["status"].notna()]
            over = part[part["status"].eq(True)]
            result[value] = (
                sum(int(c) for c in counted["closing"]),
                sum(int(c) for c in over["closing"]),
                over["customer_id"].nunique(),
                part.loc[part["status"].isna(), "customer_id"].nunique(),
            )
        return result

    def _row(self, period, kind, value, facts, lag, active_count, concentration, limits) -> dict:
        f = {k: int(v) for k, v in facts.items()}
        checked, over, over_count, left_out_count = limits
        days = int(period.days_in_period)
        ar_begin, ar_end, current = f["ar_begin"], f["ar_end"], f["current_ar_end"]
        sales, net_sales = f["credit_sales"], f["net_credit_sales"]
        net_write_offs = f["write_offs"] - f["recoveries"]

        def ratio(numerator, denominator, scale=1.0):
            return float(Fraction(numerator, denominator)) * scale

        cei_denominator = ar_begin + sales - current
        row = {
            "period_grain": period.period_grain,
            "period_start_date": _date(period.start).isoformat(),
            "period_end_date": _date(period.end).isoformat(),
            "segment_type": kind,
            "segment_value": value,
            "days_in_period": days,
            "has_facts": bool(
                f["open_at_end"]
                or f["open_at_begin"]
                or f["issued"]
                or f["write_off_event"]
                or f["recoveries"]
                or f["csat_count"]
                or (lag == lag)
            ),
            **{c: f[c] / 1e6 for c in MONEY + COHORT_SPLIT if c in f},
            "cohort_document_count": int(f.get("cohort_document_count", 0)),
            "net_write_offs": net_write_offs / 1e6,
            "active_account_count": active_count,
            "dso_days": ratio(ar_end, sales, days) if sales > 0 else np.nan,
            "best_possible_dso_days": ratio(current, sales, days) if sales > 0 else np.nan,
            "add_days": ratio(ar_end - current, sales, days) if sales > 0 else np.nan,
            "cei_pct": ratio(ar_begin + sales - ar_end, cei_denominator, 100)
            if cei_denominator != 0
            else np.nan,
            "cash_only_cei_pct": ratio(f["settled_cash"], cei_denominator, 100)
            if cei_denominator != 0
            else np.nan,
            "cohort_at_risk_rate_pct": ratio(f["cohort_at_risk_amount"], f["cohort_amount"], 100)
            if period.period_grain == "month" and self._m3_closed(period) and f["cohort_amount"] > 0
            else np.nan,
            "paid_document_count": f["paid_document_count"],
            "days_beyond_terms_days": ratio(f["paid_x_beyond"], f["paid_applied_amount"])
            if f["paid_applied_amount"] > 0
            else np.nan,
            "within_terms_share_pct": ratio(f["paid_within"], f["paid_applied_amount"], 100)
            if f["paid_applied_amount"] > 0
            else np.nan,
            "days_to_pay_days": ratio(f["paid_x_to_pay"], f["paid_applied_amount"])
            if f["paid_applied_amount"] > 0
            else np.nan,
            "forecast_error_document_count": f["forecast_error_document_count"],
            "unforecast_paid_document_count": f["unforecast_paid_document_count"],
            **{
                column: ratio(f[f"{method}_x_error"], f["forecast_error_weight"])
                if f["forecast_error_weight"] > 0
                else np.nan
                for column, method in (
                    ("forecast_error_days", "project"),
                    ("due_baseline_error_days", "due"),
                    ("dbt_baseline_error_days", "dbt"),
                )
            },
            **{
                column: ratio(
                    f[f"{method}_x_error"] - f["project_x_error"], f["forecast_error_weight"]
                )
                if f["forecast_error_weight"] > 0
                else np.nan
                for column, method in (
                    ("forecast_gain_vs_due_days", "due"),
                    ("forecast_gain_vs_dbt_days", "dbt"),
                )
            },
            "ar_turnover": ratio(net_sales, ar_begin + ar_end, 2)
            if ar_begin + ar_end > 0
            else np.nan,
            "ar_turnover_annualised": ratio(net_sales, (ar_begin + ar_end) * days, 730)
            if ar_begin + ar_end > 0
            else np.nan,
            "pct_past_60": ratio(f["past_due_kpi_ar_end"], ar_end, 100) if ar_end > 0 else np.nan,
            "bad_debt_ratio_pct": ratio(net_write_offs, net_sales, 100)
            if net_sales > 0
            else np.nan,
            "dispute_rate_count_pct": ratio(f["disputed_invoice_count"], f["invoice_count"], 100)
            if f["invoice_count"] > 0
            else np.nan,
            "dispute_rate_amount_pct": ratio(f["disputed_amount"], f["invoiced_amount"], 100)
            if f["invoice_count"] > 0 and f["invoiced_amount"] != 0
            else np.nan,
            "delivered_document_count": f["delivered_document_count"],
            "electronic_document_count": f["electronic_document_count"],
            "electronic_delivery_share_count_pct": ratio(
                f["electronic_document_count"], f["delivered_document_count"], 100
            )
            if f["delivered_document_count"] > 0
            else np.nan,
            "electronic_delivery_share_amount_pct": ratio(
                f["electronic_amount"], f["delivered_amount"], 100
            )
            if f["delivered_document_count"] > 0 and f["delivered_amount"] != 0
            else np.nan,
            "cash_application_lag_median_days": lag,
            "csat_mean_score": f["csat_sum"] / f["csat_count"]
            if kind not in DOCUMENT_TYPES and f["csat_count"] > 0
            else np.nan,
            "limit_checked_ar_end": checked / 1e6,
            "over_limit_ar_end": over / 1e6,
            "over_limit_account_count": over_count if checked > 0 else np.nan,
            "limit_left_out_account_count": left_out_count,
            "over_limit_ar_share_pct": ratio(over, checked, 100) if checked > 0 else np.nan,
            "largest_customer_share_pct": (concentration or (np.nan, np.nan))[0],
            "hhi": (concentration or (np.nan, np.nan))[1],
            "cb_ar_end_micro": ar_end,
            "cb_end_month": int(period.end_month),
        }
        return row

    # -- cash conversion cycle (v2) --

    def _working_capital_months(self) -> dict:
        """(company, month start day) -> the month's four figures in micro
        units of the reporting currency at the month end's rate, or None
        without a usable rate; only closed month ends of the ledger."""
        month_ends = {
            int(d): d for d in self.as_of if _date(int(d) + 1).day == 1
        }  # as-of days that end a month
        months = {}
        for row in self.working_capital.itertuples():
            end = _day(row.month_end_date)
            month_end = _day((pd.Timestamp(_date(end)) + pd.offsets.MonthEnd(0)).date().isoformat())
            if month_end not in month_ends:
                continue
            rate = self.rates.on(row.currency_code, month_end)
            start = _day(_date(month_end).replace(day=1).isoformat())
            months[(row.company_code, start)] = (
                None
                if rate is None
                else tuple(
                    to_micro(_units(getattr(row, column)), rate)
                    for column in (
                        "inventory_balance",
                        "cost_of_goods_sold",
                        "ap_balance",
                        "purchases",
                    )
                )
            )
        return months

    def _with_cash_conversion_cycle(self, frame: pd.DataFrame) -> pd.DataFrame:
        """DIO, DPO and CCC per company and for the ledger: inventory and
        payables of the period's last month, flows summed over its months;
        every month needs a row with a usable rate; the ledger needs every
        company with facts or working capital in the period."""
        months = self._working_capital_months()
        figures = ["inventory_end", "cost_of_goods_sold", "ap_end", "purchases"]
        for column in figures + ["dio_days", "dpo_days", "cash_conversion_cycle_days"]:
            frame[column] = np.nan
        for period in self.periods.itertuples():
            starts = [
                _day(m.date().isoformat())
                for m in pd.date_range(_date(period.start), _date(period.end), freq="MS")
            ]
            here = (frame["period_grain"] == period.period_grain) & (
                frame["period_start_date"] == _date(period.start).isoformat()
            )
            company_rows = frame[here & (frame["segment_type"] == "company")]
            companies = set(company_rows.loc[company_rows["has_facts"], "segment_value"]) | {
                c for c, m in months if m in starts
            }
            per_company = {}
            for company in companies:
                found = [months.get((company, m)) for m in starts]
                if any(f is None for f in found):
                    per_company[company] = None
                    continue
                per_company[company] = (
                    found[-1][0],
                    sum(f[1] for f in found),
                    found[-1][2],
                    sum(f[3] for f in found),
                )
            per_company["all"] = (
                None
                if not per_company or any(v is None for v in per_company.values())
                else tuple(sum(v[i] for v in per_company.values()) for i in range(4))
            )
            for index in frame.index[here & frame["segment_type"].isin(["ledger", "company"])]:
                found = per_company.get(frame.at[index, "segment_value"])
                if found is None:
                    continue
                inventory, cogs, payables, purchases = found
                for column, value in zip(figures, found, strict=True):
                    frame.at[index, column] = value / 1e6
                days = int(period.days_in_period)
                dio = float(Fraction(inventory, cogs)) * days if cogs > 0 else np.nan
                dpo = float(Fraction(payables, purchases)) * days if purchases > 0 else np.nan
                frame.at[index, "dio_days"] = dio
                frame.at[index, "dpo_days"] = dpo
                frame.at[index, "cash_conversion_cycle_days"] = (
                    frame.at[index, "dso_days"] + dio - dpo
                )
        return frame

    def delivery_channels(self) -> pd.DataFrame:
        """rpt_invoice_delivery_channels for the ledger and companies: per
        period and channel ('(none)' when not recorded), INV/DM issued and the
        days beyond terms of those paid."""
        channel = self.items["delivery_channel"].fillna("(none)").to_numpy()
        out = []
        for period in self.periods.itertuples():
            start, end = period.start, period.end
            items = self.items
            issued = items[(items["day"] >= start) & (items["day"] <= end)]
            paid = self.payments[
                (self.payments["paid_day"] >= start) & (self.payments["paid_day"] <= end)
            ]
            weight = paid["weight"].to_numpy(dtype=np.int64)
            rows = pd.concat(
                [
                    pd.DataFrame(
                        {
                            "item": issued.index.to_numpy(),
                            "issued_document_count": 1,
                            "issued_amount": issued["amount_micro"].to_numpy(dtype=np.int64),
                        }
                    ),
                    pd.DataFrame(
                        {
                            "item": paid["item"].to_numpy(),
                            "paid_document_count": paid["paid_document_count"].to_numpy(),
                            "paid_applied_amount": weight,
                            "x_beyond": weight * paid["beyond"].to_numpy(dtype=np.int64),
                            "x_to_pay": weight * paid["to_pay"].to_numpy(dtype=np.int64),
                        }
                    ),
                ],
                ignore_index=True,
            ).fillna(0)
            rows["delivery_channel"] = channel[rows["item"].to_numpy(dtype=int)]
            rows["company"] = items["company_code"].to_numpy()[rows["item"].to_numpy(dtype=int)]
            for kind, keys in (
                ("ledger", ["delivery_channel"]),
                ("company", ["company", "delivery_channel"]),
            ):
                sums = rows.groupby(keys).sum(numeric_only=True)
                for key, f in sums.iterrows():
                    value, delivery_channel = ("all", key) if kind == "ledger" else key
                    paid_amount = int(f["paid_applied_amount"])
                    out.append(
                        {
                            "period_grain": period.period_grain,
                            "period_start_date": _date(start).isoformat(),
                            "segment_type": kind,
                            "segment_value": value,
                            "delivery_channel": delivery_channel,
                            "issued_document_count": int(f["issued_document_count"]),
                            "issued_amount": int(f["issued_amount"]) / 1e6,
                            "paid_document_count": int(f["paid_document_count"]),
                            "days_beyond_terms_days": float(
                                Fraction(int(f["x_beyond"]), paid_amount)
                            )
                            if paid_amount > 0
                            else np.nan,
                            "days_to_pay_days": float(Fraction(int(f["x_to_pay"]), paid_amount))
                            if paid_amount > 0
                            else np.nan,
                        }
                    )
        return pd.DataFrame(out)

    # -- countback DSO --

    def _with_countback(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Countback DSO at the end of each period's last month, walking back
        through the segment's monthly credit sales (for size band and risk
        tier: the sales of the segment's customers at that month end)."""
        months = self.periods[self.periods["period_grain"] == "month"].sort_values("start")
        starts = months["start"].to_numpy()
        month_days = months["days_in_period"].to_numpy()  # the extract's month: elapsed days
        items = self.items
        month_of = np.searchsorted(starts, items["day"].to_numpy(), side="right") - 1
        sales = pd.DataFrame(
            {
                "month": month_of,
                "customer_id": items["customer_id"],
                "company_code": items["company_code"],
                "currency_code": items["currency_code"],
                "micro": items["amount_micro"],
            }
        )
        per_customer = (
            sales.groupby(["customer_id", "month"])["micro"]
            .sum()
            .unstack(fill_value=0)
            .reindex(columns=range(len(starts)), fill_value=0)
        )
        ends = dict(zip(months["start"], months["end"], strict=True))
        cache: dict = {}

        def monthly_sales(kind, month_index):
            key = (kind, month_index if kind in ("customer_size_band", "risk_tier") else None)
            if key not in cache:
                if kind in DOCUMENT_TYPES or kind == "ledger":
                    segment = self._segment_value(sales, None, kind)
                    table = (
                        sales.assign(segment_value=segment)
                        .groupby(["segment_value", "month"])["micro"]
                        .sum()
                        .unstack(fill_value=0)
                    )
                else:
                    attributes = self._attributes_at(ends[starts[month_index]])
                    segment = per_customer.index.map(attributes[kind])
                    table = per_customer.groupby(np.asarray(segment, dtype=object)).sum()
                cache[key] = table.reindex(columns=range(len(starts)), fill_value=0)
            return cache[key]

        values = []
        for row in frame.itertuples():
            m = int(np.searchsorted(starts, row.cb_end_month))
            remaining = row.cb_ar_end_micro
            table = monthly_sales(row.segment_type, m)
            history = (
                table.loc[row.segment_value].to_numpy()
                if row.segment_value in table.index
                else np.zeros(len(starts), int)
            )
            values.append(_countback(remaining, history[: m + 1], month_days[: m + 1]))
        return frame.assign(countback_dso_days=values).drop(
            columns=["cb_ar_end_micro", "cb_end_month"]
        )


def _countback(ar: int, sales: np.ndarray, days: np.ndarray) -> float:
    """Walk back from the last month: a month whose sales the remaining AR
    covers is taken whole; the first that it does not is taken in part."""
    if ar == 0:
        return 0.0
    if ar < 0:
        return np.nan
    remaining, total = ar, 0.0
    for month in range(len(sales) - 1, -1, -1):
        s = int(sales[month])
        if remaining >= s:
            total += int(days[month])
            remaining -= s
            if remaining == 0:
                return total
        else:
            return total + float(Fraction(remaining, s)) * int(days[month])
    return np.nan  # walked past the ledger's first month with AR left
