"""An independent pandas reading of kpi_definitions.md (v2) for the KPIs the
operations marts hold: the promise-to-pay kept rate and the right-party-
contact rate (rpt_collection_effectiveness), and dispute resolution times
(rpt_disputes_by_type). Like reference_kpis.py it shares nothing with the
dbt models; it reuses that module's loading of the extract (what staging
keeps, the extract date, rates, periods, segment values at a period end).

Readings (kpi_definitions.md, "Promise-to-pay rules", and DECISIONS.md D38,
D40):
- A promise's window runs from its created_date to promised_date + 3 days.
  A customer's receipts dated in a window (on or before the extract date,
  not reversed by a reversal_date on or before the extract date) pay the
  customer's promises in (promised_date, promise_id) order, each promise
  taking from its receipts in (receipt_date, receipt_id) order up to its
  amount; a receipt may be split. A receipt converts to the promise
  currency at its own date through the reporting currency (both rates
  needed). Exact fractions throughout.
- Kept: received at least 95 % of the amount; broken: not kept and the
  window ended before the extract date; pending otherwise. The kept rate is
  kept / (kept + broken) over promises whose promised_date is in the period.
- Right-party contact: outbound `call` activities in the period with outcome
  right_party_contact, promise_to_pay, dispute_raised or refused, over the
  period's outbound calls.
- Resolution time: resolved_date - opened_date of disputes resolved in the
  period (a resolution after the extract date has not happened), median and
  90th percentile (continuous, between the nearest ranks) per dispute type;
  segments by the disputed document (company, currency) and the dispute's
  customer. The 'all' types row has counts, no times.
"""

from __future__ import annotations

import bisect
from fractions import Fraction

import numpy as np
import pandas as pd
from reference_kpis import (
    DOCUMENT_TYPES,
    KEYS,
    SEGMENT_TYPES,
    Rates,
    ReferenceKpis,
    _date,
    _days,
)

PROMISE_GRACE_DAYS = 3
PROMISE_TOLERANCE = Fraction(5, 100)
RIGHT_PARTY_OUTCOMES = {"right_party_contact", "promise_to_pay", "dispute_raised", "refused"}
CUSTOMER_SEGMENT_TYPES = tuple(t for t in SEGMENT_TYPES if t not in DOCUMENT_TYPES)

EFFECTIVENESS_COUNTS = [
    "promise_due_count",
    "promise_kept_count",
    "promise_broken_count",
    "promise_pending_count",
    "outbound_call_count",
    "right_party_contact_count",
]
EFFECTIVENESS_RATIOS = ["promise_kept_rate_pct", "right_party_contact_rate_pct"]
DISPUTE_COUNTS = ["opened_count", "resolved_count"]
DISPUTE_RATIOS = ["resolution_median_days", "resolution_p90_days"]
DISPUTE_KEYS = [*KEYS, "dispute_type"]


def _decimal(text) -> Fraction:
    return Fraction(str(text))


class ReferenceOperations(ReferenceKpis):
    def __init__(self, inputs: dict[str, pd.DataFrame], risk_tiers: pd.DataFrame | None = None):
        super().__init__(inputs, risk_tiers)
        self.rates = Rates(_table(inputs, "fx_rates"))
        self.promises = self._promise_statuses(inputs)
        self.calls = self._outbound_calls(inputs)
        self.disputes = self._disputes(inputs)

    # -- promises --

    def _promise_statuses(self, inputs) -> pd.DataFrame:
        ext = self.extract_day
        customers = set(self.attributes.index)
        promises = _table(inputs, "promises_to_pay")
        promises = promises[promises["customer_id"].isin(customers)].assign(
            created=_days(promises["created_date"]), promised=_days(promises["promised_date"])
        )
        promises = promises[promises["created"] <= ext]
        receipts = _table(inputs, "cash_receipts").assign(
            day=lambda r: _days(r["receipt_date"]), reversal=lambda r: _days(r["reversal_date"])
        )
        reversed_by_now = (receipts["reversal"] > -(10**9)) & (receipts["reversal"] <= ext)
        receipts = receipts[
            (receipts["day"] <= ext) & ~reversed_by_now & receipts["customer_id"].isin(customers)
        ].sort_values(["day", "receipt_id"])
        left = {r.receipt_id: _decimal(r.amount) for r in receipts.itertuples()}
        by_customer = {
            c: (frame["day"].tolist(), list(frame.itertuples()))
            for c, frame in receipts.groupby("customer_id")
        }

        rows = []
        for p in promises.sort_values(["promised", "promise_id"]).itertuples():
            amount = _decimal(p.promised_amount)
            window_end = p.promised + PROMISE_GRACE_DAYS
            received = Fraction(0)
            days, candidates = by_customer.get(p.customer_id, ([], []))
            for r in candidates[bisect.bisect_left(days, p.created) :]:
                if received >= amount or r.day > window_end:
                    break
                if left[r.receipt_id] == 0:
                    continue
                to_reporting = self.rates.on(r.currency_code, r.day)
                from_reporting = self.rates.on(p.currency_code, r.day)
                if to_reporting is None or from_reporting is None:
                    continue  # no rate that day: it cannot pay this promise
                factor = to_reporting / from_reporting
                given = min(left[r.receipt_id] * factor, amount - received)
                received += given
                left[r.receipt_id] -= given / factor
            if received >= (1 - PROMISE_TOLERANCE) * amount:
                status = "kept"
            elif window_end < ext:
                status = "broken"
            else:
                status = "pending"
            rows.append({"customer_id": p.customer_id, "day": p.promised, "status": status})
        return pd.DataFrame(rows, columns=["customer_id", "day", "status"])

    def _outbound_calls(self, inputs) -> pd.DataFrame:
        activities = _table(inputs, "collection_activities")
        activities = activities.assign(day=_days(activities["activity_ts"]))
        return activities[
            (activities["channel"] == "call")
            & (activities["direction"] == "outbound")
            & (activities["day"] <= self.extract_day)
            & activities["customer_id"].isin(self.attributes.index)
        ].assign(is_right_party=lambda a: a["outcome"].isin(RIGHT_PARTY_OUTCOMES))

    def collection_effectiveness(self) -> pd.DataFrame:
        """One row per period and customer segment with promises due or
        outbound calls in it."""
        out = []
        for period in self.periods.itertuples():
            attributes = self._attributes_at(period.end)
            due = self.promises[self.promises["day"].between(period.start, period.end)]
            calls = self.calls[self.calls["day"].between(period.start, period.end)]
            facts = pd.concat(
                [
                    pd.DataFrame(
                        {
                            "customer_id": due["customer_id"],
                            "promise_due_count": 1,
                            "promise_kept_count": (due["status"] == "kept").astype(int),
                            "promise_broken_count": (due["status"] == "broken").astype(int),
                            "promise_pending_count": (due["status"] == "pending").astype(int),
                        }
                    ),
                    pd.DataFrame(
                        {
                            "customer_id": calls["customer_id"],
                            "outbound_call_count": 1,
                            "right_party_contact_count": calls["is_right_party"].astype(int),
                        }
                    ),
                ],
                ignore_index=True,
            ).reindex(columns=["customer_id", *EFFECTIVENESS_COUNTS])
            facts[EFFECTIVENESS_COUNTS] = facts[EFFECTIVENESS_COUNTS].fillna(0).astype(int)
            for kind in CUSTOMER_SEGMENT_TYPES:
                segment = self._segment_value(facts, attributes, kind)
                sums = facts.assign(segment_value=segment).dropna(subset=["segment_value"])
                totals = sums.groupby("segment_value")[EFFECTIVENESS_COUNTS].sum()
                for value, f in totals.iterrows():
                    judged = f["promise_kept_count"] + f["promise_broken_count"]
                    calls_made = f["outbound_call_count"]
                    out.append(
                        {
                            **_keys(period, kind, value),
                            **{c: int(f[c]) for c in EFFECTIVENESS_COUNTS},
                            "promise_kept_rate_pct": f["promise_kept_count"] / judged * 100
                            if judged
                            else np.nan,
                            "right_party_contact_rate_pct": f["right_party_contact_count"]
                            / calls_made
                            * 100
                            if calls_made
                            else np.nan,
                        }
                    )
        return pd.DataFrame(out, columns=[*KEYS, *EFFECTIVENESS_COUNTS, *EFFECTIVENESS_RATIOS])

    # -- disputes --

    def _disputes(self, inputs) -> pd.DataFrame:
        ext = self.extract_day
        documents = self.docs.set_index("document_id")[["company_code", "currency_code"]]
        disputes = _table(inputs, "disputes")
        disputes = disputes[disputes["document_id"].isin(documents.index)]
        disputes = disputes.assign(
            opened=_days(disputes["opened_date"]), resolved=_days(disputes["resolved_date"])
        ).join(documents, on="document_id")
        disputes = disputes[disputes["opened"] <= ext]
        resolved = (disputes["resolved"] > -(10**9)) & (disputes["resolved"] <= ext)
        return disputes.assign(resolved=disputes["resolved"].where(resolved, np.nan))

    def disputes_by_type(self) -> pd.DataFrame:
        """One row per period, segment and dispute type (and 'all') with a
        dispute opened or resolved in the period."""
        out = []
        d = self.disputes
        for period in self.periods.itertuples():
            attributes = self._attributes_at(period.end)
            opened = d[d["opened"].between(period.start, period.end)]
            resolved = d[d["resolved"].between(period.start, period.end)]
            facts = pd.concat(
                [
                    opened.assign(opened_count=1, resolved_count=0, days=np.nan),
                    resolved.assign(
                        opened_count=0,
                        resolved_count=1,
                        days=resolved["resolved"] - resolved["opened"],
                    ),
                ],
                ignore_index=True,
            )
            for kind in SEGMENT_TYPES:
                segment = self._segment_value(facts, attributes, kind)
                part = facts.assign(segment_value=segment).dropna(subset=["segment_value"])
                for (value, dispute_type), f in part.groupby(["segment_value", "dispute_type"]):
                    times = f["days"].dropna().to_numpy(dtype=float)
                    out.append(
                        {
                            **_keys(period, kind, value),
                            "dispute_type": dispute_type,
                            "opened_count": int(f["opened_count"].sum()),
                            "resolved_count": int(f["resolved_count"].sum()),
                            "resolution_median_days": np.quantile(times, 0.5)
                            if len(times)
                            else np.nan,
                            "resolution_p90_days": np.quantile(times, 0.9)
                            if len(times)
                            else np.nan,
                        }
                    )
                for value, f in part.groupby("segment_value"):
                    out.append(
                        {
                            **_keys(period, kind, value),
                            "dispute_type": "all",
                            "opened_count": int(f["opened_count"].sum()),
                            "resolved_count": int(f["resolved_count"].sum()),
                            "resolution_median_days": np.nan,
                            "resolution_p90_days": np.nan,
                        }
                    )
        return pd.DataFrame(out, columns=[*DISPUTE_KEYS, *DISPUTE_COUNTS, *DISPUTE_RATIOS])


def _table(inputs: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """A contract table (cells as text), with the columns the reference
    reads present even when the optional table is absent."""
    columns = {
        "promises_to_pay": [
            "promise_id",
            "customer_id",
            "created_date",
            "promised_date",
            "promised_amount",
            "currency_code",
        ],
        "cash_receipts": [
            "receipt_id",
            "customer_id",
            "receipt_date",
            "currency_code",
            "amount",
            "reversal_date",
        ],
        "collection_activities": ["customer_id", "activity_ts", "channel", "direction", "outcome"],
        "disputes": ["document_id", "customer_id", "dispute_type", "opened_date", "resolved_date"],
        "fx_rates": ["rate_date", "from_currency", "to_currency", "rate"],
    }[name]
    frame = inputs.get(name)
    if frame is None or frame.empty:
        return pd.DataFrame(columns=columns)
    return frame.reindex(columns=sorted(set(frame.columns) | set(columns))).reset_index(drop=True)


def _keys(period, kind: str, value: str) -> dict:
    return {
        "period_grain": period.period_grain,
        "period_start_date": _date(period.start).isoformat(),
        "segment_type": kind,
        "segment_value": value,
    }
