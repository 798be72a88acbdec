"""An independent, slow-but-plain pandas reading of kpi_definitions.md, used by
tests to check the generator (and, later, the dbt models) against numbers
computed another way. It reads only the extract files.

Balances at the end of day t, in the reporting currency at historical rates:
  open balance of an INV/DM = amount - applied - discount - adjusted, counting
  applications dated <= t whose receipt is not reversed by t, and
  adjustments dated <= t;
  credit memo balance = amount + what it applied by t (negative);
  unapplied cash = cleared receipts dated <= t not reversed by t, less what
  was applied from them by t, at the receipt's rate;
  net AR = AR + unapplied credits - unapplied cash.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REPORTING = "USD"
STALENESS_DAYS = 7


def read(folder: Path, table: str) -> pd.DataFrame:
    """A table as text, the way a CSV reads (dates ISO, NULL as None)."""
    path = folder / f"{table}.csv"
    if path.exists():
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    path = folder / f"{table}.parquet"
    if not path.exists():
        return pd.DataFrame()
    frame = pd.read_parquet(path).astype(object)
    return frame.map(
        lambda v: None if pd.isna(v) else (v.isoformat() if hasattr(v, "isoformat") else str(v))
    )


def quotes_to_reporting(fx: pd.DataFrame) -> pd.DataFrame:
    """Direct quotes as quoted, inverse ones as 1 / rate; direct wins a tie."""
    direct = fx[fx["to_currency"] == REPORTING].assign(
        currency=fx["from_currency"], to_reporting=fx["rate"].astype(float), priority=0
    )
    inverse = fx[fx["from_currency"] == REPORTING].assign(
        currency=fx["to_currency"], to_reporting=1 / fx["rate"].astype(float), priority=1
    )
    quotes = pd.concat([direct, inverse]).assign(day=lambda f: pd.to_datetime(f["rate_date"]))
    return quotes.sort_values(["currency", "day", "priority"]).drop_duplicates(["currency", "day"])


def rate_on(frame: pd.DataFrame, date_column: str, quotes: pd.DataFrame) -> np.ndarray:
    """Latest quote on or before the date, at most STALENESS_DAYS old."""
    left = frame.assign(day=pd.to_datetime(frame[date_column]), _row=np.arange(len(frame)))
    merged = pd.merge_asof(
        left.sort_values("day"),
        quotes[["currency", "day", "to_reporting"]].sort_values("day"),
        on="day",
        left_by="currency_code",
        right_by="currency",
        tolerance=pd.Timedelta(days=STALENESS_DAYS),
    ).sort_values("_row")
    rate = merged["to_reporting"].to_numpy(copy=True)
    rate[frame["currency_code"].to_numpy() == REPORTING] = 1.0
    return rate


class ReferenceLedger:
    def __init__(self, folder: Path):
        quotes = quotes_to_reporting(read(folder, "fx_rates"))
        docs = read(folder, "ar_documents")
        docs["amount"] = docs["amount"].astype(float)
        docs["rate"] = rate_on(docs, "document_date", quotes)
        receipts = read(folder, "cash_receipts")
        receipts["amount"] = receipts["amount"].astype(float)
        receipts["rate"] = rate_on(receipts, "receipt_date", quotes)
        apps = read(folder, "cash_applications")
        apps["applied"] = apps["applied_amount"].astype(float)
        apps["discount"] = apps["discount_amount"].fillna("0").astype(float)
        apps = apps.merge(
            receipts[["receipt_id", "rate", "reversal_date"]].rename(
                columns={"receipt_id": "source_id", "rate": "receipt_rate"}
            ),
            on="source_id",
            how="left",
        )
        apps.loc[apps["source_type"] != "receipt", ["receipt_rate", "reversal_date"]] = np.nan
        adjustments = read(folder, "adjustments")
        adjustments["amount"] = adjustments["amount"].astype(float)
        self.docs, self.receipts, self.apps, self.adjustments = docs, receipts, apps, adjustments
        self.customers = read(folder, "customers")

    def _applications_counted(self, t: str) -> pd.DataFrame:
        apps = self.apps
        undone = apps["reversal_date"].notna() & (apps["reversal_date"] <= t)
        return apps[(apps["application_date"] <= t) & ~undone]

    def open_items(self, t: str) -> pd.DataFrame:
        """INV/DM documents existing at t with their open balance (document
        and reporting currency), days past due and customer."""
        docs = self.docs[(self.docs["document_type"] != "CM") & (self.docs["document_date"] <= t)]
        if docs.empty:
            return docs.assign(balance=0.0, balance_reporting=0.0, days_past_due=0)
        apps = self._applications_counted(t)
        reduced = (apps["applied"] + apps["discount"]).groupby(apps["document_id"]).sum()
        adj = self.adjustments[self.adjustments["adjustment_date"] <= t]
        adjusted = adj["amount"].groupby(adj["document_id"]).sum()
        balance = (
            docs["amount"]
            - docs["document_id"].map(reduced).fillna(0)
            - docs["document_id"].map(adjusted).fillna(0)
        )
        out = docs.assign(
            balance=balance,
            balance_reporting=balance * docs["rate"],
            days_past_due=(pd.Timestamp(t) - pd.to_datetime(docs["due_date"])).dt.days,
        )
        return out[out["balance"].round(6) != 0]

    def net_ar(self, t: str) -> pd.Series:
        """Net AR per company_code at the end of day t."""
        items = self.open_items(t)
        ar = items.groupby("company_code")["balance_reporting"].sum()
        apps = self._applications_counted(t)
        cms = self.docs[(self.docs["document_type"] == "CM") & (self.docs["document_date"] <= t)]
        cm_applied = (
            apps[apps["source_type"] == "credit_memo"].groupby("source_id")["applied"].sum()
        )
        cm_balance = (cms["amount"] + cms["document_id"].map(cm_applied).fillna(0)) * cms["rate"]
        credits = cm_balance.groupby(cms["company_code"]).sum()
        rec = self.receipts
        held = rec[
            (rec["receipt_date"] <= t)
            & ~(rec["reversal_date"].notna() & (rec["reversal_date"] <= t))
        ]
        from_receipts = apps[apps["source_type"] == "receipt"].groupby("source_id")["applied"].sum()
        unapplied = (held["amount"] - held["receipt_id"].map(from_receipts).fillna(0)) * held[
            "rate"
        ]
        cash = unapplied.groupby(held["company_code"]).sum()
        return ar.add(credits, fill_value=0).sub(cash, fill_value=0)

    def monthly_kpis(self, month_ends: list[str], segment: pd.Series | None = None) -> pd.DataFrame:
        """Ledger KPIs per month end (or per quarter end when month_ends are
        quarter ends: sales then cover the whole quarter). segment maps
        customer_id -> segment value; None = whole ledger."""
        rows = []
        previous_end = None
        docs = self.docs.assign(
            segment=self.docs["customer_id"].map(segment) if segment is not None else "all"
        )
        previous_ar: dict = {}
        for end in month_ends:
            start = (
                (pd.Timestamp(previous_end) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
                if previous_end
                else (pd.Timestamp(end).replace(day=1)).strftime("%Y-%m-%d")
            )
            items = self.open_items(end)
            items = items.assign(
                segment=items["customer_id"].map(segment) if segment is not None else "all"
            )
            in_period = docs[(docs["document_date"] >= start) & (docs["document_date"] <= end)]
            sales = (
                (in_period["amount"] * in_period["rate"])
                .where(in_period["document_type"] != "CM", 0)
                .groupby(in_period["segment"])
                .sum()
            )
            net_sales = (
                (in_period["amount"] * in_period["rate"]).groupby(in_period["segment"]).sum()
            )
            adj = self.adjustments.merge(docs[["document_id", "rate", "segment"]], on="document_id")
            wo = adj[
                (adj["adjustment_type"] == "write_off")
                & (adj["adjustment_date"] >= start)
                & (adj["adjustment_date"] <= end)
            ]
            write_offs = (wo["amount"] * wo["rate"]).groupby(wo["segment"]).sum()
            days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
            for seg, group in items.groupby("segment"):
                ar_end = group["balance_reporting"].sum()
                current = group.loc[group["days_past_due"] <= 0, "balance_reporting"].sum()
                past60 = group.loc[group["days_past_due"] > 60, "balance_reporting"].sum()
                ar_begin = previous_ar.get(seg, 0.0)
                s = sales.get(seg, 0.0)
                cei_den = ar_begin + s - current
                rows.append(
                    {
                        "period_end": end,
                        "segment": seg,
                        "days": days,
                        "ar_begin": ar_begin,
                        "ar_end": ar_end,
                        "current_ar_end": current,
                        "credit_sales": s,
                        "net_credit_sales": net_sales.get(seg, 0.0),
                        "write_offs": write_offs.get(seg, 0.0),
                        "dso": ar_end / s * days if s > 0 else np.nan,
                        "cei": (ar_begin + s - ar_end) / cei_den * 100 if cei_den else np.nan,
                        "past_60_share": past60 / ar_end if ar_end > 0 else np.nan,
                    }
                )
                previous_ar[seg] = ar_end
            previous_end = end
        return pd.DataFrame(rows)
