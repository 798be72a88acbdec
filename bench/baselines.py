"""Baselines the benchmark times beside the dbt build (issue 19).

    python bench/baselines.py EXTRACT [DATABASE] [--only pandas|duckdb]

Both read an extract folder (erp_extract_contract.md v2: one `<table>.csv` or
`<table>.parquet` per table) and compute the whole ledger, per calendar month
from the first document's month to the extract date's month, in the reporting
currency (USD) at historical rates, the way kpi_definitions.md v2 defines it:

(a) `pandas_monthly_kpis`: what an analyst's notebook would do, vectorised
    pandas (loops only over the few currencies and the six buckets, never
    over rows): ar_begin, ar_end, the six buckets of the standard scheme
    (current, 1-30, 31-60, 61-90, 91-120, 121+ days past due), credit sales,
    DSO (standard: `ar_end / credit_sales * days_in_period`, the marts'
    dso_days) and CEI (`(ar_begin + credit_sales - ar_end) / (ar_begin +
    credit_sales - current_ar_end) * 100`, the marts' cei_pct). Every
    movement of an invoice's balance becomes an event (issue, application,
    its undoing by a reversal, adjustment) summed on a grid of month x due
    date: a cumulative sum over months gives the balances by due date at
    each month end, and the due date gives the bucket.
(b) `duckdb_month_end_aging`: one hand-written DuckDB statement (the floor)
    giving ar_end and the six buckets per month end, same semantics and the
    same grid. The files' paths are statement parameters; Python only picks
    the reader (CSV or Parquet) and, from the file's schema, whether a
    column needs parsing from text.
`compare_with_marts` checks either against marts.rpt_kpis_monthly of a built
database; `main` times both and prints whether they agree.

How the spec is read (the same readings as the project's test oracle,
python/tests/reference_kpis.py, which this file does not import):
- Rows: codes trimmed and case-normalised; a row whose own cells do not read
  (missing required value, unparseable date or number, unknown code, negative
  amount, wrong sign, a reversed receipt without reversal_date) is left out;
  exact duplicates collapse; of a document's versions the newest
  `source_updated_at` wins, and a key still held by two different rows is
  left out (conflicting_duplicate). Then the cascade: a document needs a
  known customer and a usable rate, an application a kept INV/DM target and
  a kept receipt or credit memo of the target's currency as source, an
  adjustment a kept INV/DM, a receipt naming a customer a known one.
  Shortcuts a notebook takes, which no generated extract (messy or not)
  tells apart: only the columns read here are compared for duplicates,
  customers are checked for their id only, and disputes, activities and
  survey responses are read for their dates only.
- Extract date: the latest document, application, receipt, reversal,
  adjustment, dispute (opened or resolved), activity and survey date.
  Nothing is dated after it; a reversal after it is not known yet.
- FX: a document (with its applications and adjustments) converts at the
  rate of its document_date, a receipt at its receipt_date: the latest direct
  (`to` = USD) or inverse (`1 / rate`) quote on or before the date, direct
  first on a tie, at most 7 days old; no usable rate, no row.
- Balance of an INV/DM at as-of date t (each month's end, or the extract
  date for the partial last month) = amount - (applied + discount) -
  adjustments, each taking effect at the later of its own date and the
  document's date; an application whose receipt has a reversal_date counts
  only before it (never, when the reversal is on or before the day it takes
  effect). Recoveries (v2): with raw(t) that balance and W(t) the write-offs
  in effect, the balance is raw + min(W, max(0, -raw)). AR sums INV/DM
  balances, negative ones included; days past due = t - due_date.
- Credit sales: INV and DM amounts by document_date. ar_begin is the
  previous month's ar_end (0 in the first month). days_in_period counts
  calendar days, or the days elapsed through the extract date. DSO is NULL
  when credit sales are <= 0, CEI when its denominator is 0.
- The dbt vars at their defaults: reporting_currency USD, extract_date
  null (the latest date), fx_max_staleness_days 7, the standard buckets.

Money is float64 here (a speed baseline): the marts hold exact decimals, and
the comparison allows 0.01 on money and 1e-6 relative on ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from receivables_rpm.contract import find_table_file  # where a table's file is, not how it reads

REPORTING = "USD"
FX_MAX_STALENESS_DAYS = 7
BUCKET_EDGES = (0, 30, 60, 90, 120)  # upper edges (days past due, inclusive)
BUCKETS = [f"bucket_{i}_ar_end" for i in range(1, 7)]
MONEY = ["ar_begin", "ar_end", *BUCKETS, "credit_sales"]
RATIOS = ["dso_days", "cei_pct"]
MONEY_TOLERANCE = 0.01
RATIO_TOLERANCE = 1e-6  # relative


class Column(NamedTuple):
    """A contract column as the baselines read it. kind: text, upper, lower
    (codes in their canonical case), date, timestamp, number (4 places),
    rate (12 places)."""

    name: str
    kind: str = "text"
    required: bool = False
    codes: tuple[str, ...] | None = None
    positive: bool = False


DOCUMENT_TYPES = ("INV", "CM", "DM")
CONTRACT: dict[str, list[Column]] = {
    "customers": [Column("customer_id", required=True)],
    "ar_documents": [
        Column("document_id", required=True),
        Column("document_type", "upper", True, DOCUMENT_TYPES),
        Column("customer_id", required=True),
        Column("company_code", required=True),
        Column("document_date", "date", True),
        Column("due_date", "date", True),
        Column("currency_code", "upper", True),
        Column("amount", "number", True),
        Column("source_updated_at", "timestamp", True),
    ],
    "cash_receipts": [
        Column("receipt_id", required=True),
        Column("customer_id"),
        Column("company_code", required=True),
        Column("receipt_date", "date", True),
        Column("currency_code", "upper", True),
        Column("amount", "number", True, positive=True),
        Column("payment_method", "lower", False, ("wire", "ach", "check", "card", "other")),
        Column("status", "lower", True, ("cleared", "reversed")),
        Column("reversal_date", "date"),
    ],
    "cash_applications": [
        Column("application_id", required=True),
        Column("document_id", required=True),
        Column("source_type", "lower", True, ("receipt", "credit_memo")),
        Column("source_id", required=True),
        Column("application_date", "date", True),
        Column("applied_amount", "number", True, positive=True),
        Column("discount_amount", "number", positive=True),
    ],
    "adjustments": [
        Column("adjustment_id", required=True),
        Column("document_id", required=True),
        Column("adjustment_date", "date", True),
        Column("adjustment_type", "lower", True, ("write_off", "small_balance", "other")),
        Column("amount", "number", True, positive=True),
    ],
    "fx_rates": [
        Column("rate_date", "date", True),
        Column("from_currency", "upper", True),
        Column("to_currency", "upper", True),
        Column("rate", "rate", True, positive=True),
    ],
    # Only their dates, for the extract date.
    "disputes": [Column("opened_date", "date"), Column("resolved_date", "date")],
    "collection_activities": [Column("activity_ts", "timestamp")],
    "customer_feedback": [Column("responded_at", "timestamp")],
}
KEYS = {
    "customers": ["customer_id"],
    "ar_documents": ["document_id"],
    "cash_receipts": ["receipt_id"],
    "cash_applications": ["application_id"],
    "adjustments": ["adjustment_id"],
    "fx_rates": ["rate_date", "from_currency", "to_currency"],
}
# The keyed tables staging de-duplicates: the name of the staged rows in
# the SQL statement, and the version column.
STAGED = {
    "ar_documents": ("documents", "source_updated_at"),
    "cash_receipts": ("receipts", None),
    "cash_applications": ("applications", None),
    "adjustments": ("adjustments", None),
    "fx_rates": ("fx", None),
}
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
TIMESTAMP_PATTERN = DATE_PATTERN + r"([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
# A number needing more than 4 (a rate: 12) decimal places does not parse.
NUMBER_PATTERNS = {
    "number": r"[+-]?(\d+(\.\d{0,4}0*)?|\.\d{1,4}0*)",
    "rate": r"[+-]?(\d+(\.\d{0,12}0*)?|\.\d{1,12}0*)",
}


# ---- the extract's files -------------------------------------------------------


def _file_columns(path: Path) -> dict[str, str]:
    """Column name -> 'text' (CSV, string Parquet columns), 'date' (a Parquet
    date or timestamp) or 'number'."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
        return {name.strip(): "text" for name in header}
    kinds = {}
    for field in pq.read_schema(path):
        kind = str(field.type)
        kinds[field.name] = (
            "date"
            if kind.startswith(("date", "timestamp"))
            else "text"
            if kind in ("string", "large_string")
            else "number"
        )
    return kinds


# ---- (a) pandas ------------------------------------------------------------------


def _read(extract: Path, table: str) -> pd.DataFrame:
    """The contract columns of a table (absent ones NULL); empty when absent."""
    wanted = [c.name for c in CONTRACT[table]]
    path = find_table_file(extract, table)
    if path is None:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in wanted})
    present = [name for name in wanted if name in _file_columns(path)]
    if path.suffix == ".csv":
        frame = pd.read_csv(
            path, usecols=present, dtype=str, keep_default_na=False, engine="pyarrow"
        )
    else:
        frame = pq.read_table(path, columns=present).to_pandas(date_as_object=False)
    for name in wanted:
        if name not in frame.columns:
            frame[name] = None
    return frame[wanted]


def _text(values: pd.Series, case: str = "text") -> pd.Series:
    """Trimmed, empty as NULL, codes in their canonical case."""
    text = values.astype("str").str.strip()
    text = text.where(text != "")
    if case == "upper":
        return text.str.upper()
    if case == "lower":
        return text.str.lower()
    return text


def _parse(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """(parsed values, cell present but unreadable)."""
    if kind in ("date", "timestamp") and pd.api.types.is_datetime64_any_dtype(values):
        parsed = values.astype("datetime64[s]")
        return (parsed.dt.normalize() if kind == "date" else parsed), values.isna() & False
    if kind in ("number", "rate") and pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), values.isna() & False
    text = _text(values)
    if kind == "date":
        readable = text.str.fullmatch(DATE_PATTERN).fillna(False).astype(bool)
        parsed = pd.to_datetime(text.where(readable), format="%Y-%m-%d", errors="coerce")
    elif kind == "timestamp":
        readable = text.str.fullmatch(TIMESTAMP_PATTERN).fillna(False).astype(bool)
        parsed = pd.to_datetime(text.where(readable), format="ISO8601", errors="coerce")
    else:
        readable = text.str.fullmatch(NUMBER_PATTERNS[kind]).fillna(False).astype(bool)
        parsed = pd.to_numeric(text.where(readable), errors="coerce").astype("float64")
    return parsed, text.notna() & parsed.isna()


def _staged(extract: Path, table: str, version: str | None = None) -> pd.DataFrame:
    """The rows staging keeps: readable, de-duplicated, newest version, no
    conflicting duplicates."""
    raw = _read(extract, table)
    frame = pd.DataFrame(index=raw.index)
    invalid = pd.Series(False, index=raw.index)
    for column in CONTRACT[table]:
        if column.kind in ("text", "upper", "lower"):
            values = _text(raw[column.name], column.kind)
        else:
            values, unreadable = _parse(raw[column.name], column.kind)
            invalid |= unreadable
        if column.required:
            invalid |= values.isna()
        if column.codes is not None:
            invalid |= values.notna() & ~values.isin(column.codes)
        if column.positive:
            invalid |= values < 0
        frame[column.name] = values
    if table == "ar_documents":  # wrong_sign
        receivable = frame["document_type"].isin(["INV", "DM"])
        invalid |= (receivable & (frame["amount"] < 0)) | (
            (frame["document_type"] == "CM") & (frame["amount"] > 0)
        )
    if table == "cash_receipts":  # reversed, but since when?
        invalid |= (frame["status"] == "reversed") & frame["reversal_date"].isna()
    frame = frame[~invalid]
    if table not in KEYS:
        return frame
    # Only rows sharing a key can be duplicates or versions of each other.
    key = KEYS[table]
    if frame[key[0]].is_unique if len(key) == 1 else not frame.duplicated(key).any():
        return frame
    shared = frame.duplicated(key, keep=False)
    rivals = frame[shared].drop_duplicates()
    if version is not None:
        rivals = rivals[rivals[version] == rivals.groupby(key)[version].transform("max")]
    rivals = rivals[~rivals.duplicated(key, keep=False)]
    return pd.concat([frame[~shared], rivals])


class _Rates:
    """Rate to the reporting currency by (currency, day), from a dense daily
    table per currency: a quote is carried forward at most 7 days."""

    def __init__(self, fx: pd.DataFrame):
        direct = fx[fx["to_currency"] == REPORTING].assign(
            currency=lambda f: f["from_currency"], value=lambda f: f["rate"], priority=0
        )
        inverse = fx[fx["from_currency"] == REPORTING].assign(
            currency=lambda f: f["to_currency"], value=lambda f: 1 / f["rate"], priority=1
        )
        quotes = (
            pd.concat([direct, inverse])
            .sort_values(["currency", "rate_date", "priority"])
            .drop_duplicates(["currency", "rate_date"])  # direct wins a tie
        )
        quotes = quotes[quotes["currency"] != REPORTING]
        self.currencies = pd.Index(sorted(quotes["currency"].unique()))
        if quotes.empty:
            self.first, self.table = pd.Timestamp("1970-01-01"), np.full((0, 1), np.nan)
            return
        self.first = quotes["rate_date"].min()
        days = pd.date_range(self.first, quotes["rate_date"].max() + pd.Timedelta(days=7))
        self.table = np.vstack(
            [
                quotes.loc[quotes["currency"] == currency]
                .set_index("rate_date")["value"]
                .reindex(days)
                .ffill(limit=FX_MAX_STALENESS_DAYS)
                .to_numpy()
                for currency in self.currencies
            ]
        )

    def on(self, currency: pd.Series, day: pd.Series) -> np.ndarray:
        row = self.currencies.get_indexer(currency)
        column = ((day - self.first).dt.days).to_numpy()
        usable = (row >= 0) & (column >= 0) & (column < self.table.shape[1])
        rate = np.full(len(currency), np.nan)
        rate[usable] = self.table[row[usable], column[usable]]
        rate[(currency == REPORTING).to_numpy()] = 1.0
        return rate


def _extract_date(extract: Path, staged: dict[str, pd.DataFrame]) -> pd.Timestamp:
    dates = [
        staged["ar_documents"]["document_date"],
        staged["cash_applications"]["application_date"],
        staged["cash_receipts"]["receipt_date"],
        staged["cash_receipts"]["reversal_date"],
        staged["adjustments"]["adjustment_date"],
    ]
    for table in ("disputes", "collection_activities", "customer_feedback"):
        frame = _staged(extract, table)
        dates += [frame[c].dt.normalize() for c in frame.columns]
    return max(d.max() for d in dates if d.notna().any())


def _month_index(day: pd.Series, first_month: int) -> np.ndarray:
    return (day.dt.year * 12 + day.dt.month - 1 - first_month).to_numpy()


def pandas_monthly_kpis(extract: Path) -> pd.DataFrame:
    """Whole-ledger AR, buckets, credit sales, DSO and CEI per calendar month."""
    extract = Path(extract)
    staged = {table: _staged(extract, table, version) for table, (_, version) in STAGED.items()}
    staged["customers"] = _staged(extract, "customers")
    extract_date = _extract_date(extract, staged)
    rates = _Rates(staged["fx_rates"])
    customers = staged["customers"]["customer_id"]

    docs = staged["ar_documents"]
    docs = docs[(docs["document_date"] <= extract_date) & docs["customer_id"].isin(customers)]
    docs = docs.assign(rate=rates.on(docs["currency_code"], docs["document_date"]))
    docs = docs[docs["rate"].notna()]
    receipts = staged["cash_receipts"]
    receipts = receipts[
        (receipts["receipt_date"] <= extract_date)
        & (receipts["customer_id"].isna() | receipts["customer_id"].isin(customers))
    ]
    receipts = receipts[rates.on(receipts["currency_code"], receipts["receipt_date"]) > 0]
    # A reversal dated after the extract date is not known yet.
    reversal = receipts["reversal_date"].where(receipts["reversal_date"] <= extract_date)
    receipts = receipts.assign(reversal_date=reversal).set_index("receipt_id")

    items = docs[docs["document_type"] != "CM"].reset_index(drop=True)
    credit_memos = docs[docs["document_type"] == "CM"].set_index("document_id")
    item_ids = pd.Index(items["document_id"])
    first_month = int(docs["document_date"].min().year * 12 + docs["document_date"].min().month)
    first_month -= 1
    last_month = extract_date.year * 12 + extract_date.month - 1
    months = last_month - first_month + 1
    doc_day = items["document_date"]

    # Applications: to a kept INV/DM, from a kept receipt or credit memo of
    # the target's currency; they take effect at the later of their date and
    # the document's, and undo themselves at their receipt's reversal.
    apps = staged["cash_applications"]
    apps = apps[apps["application_date"] <= extract_date]
    target = item_ids.get_indexer(apps["document_id"])
    # The source: a kept receipt's or credit memo's position, -1 for none
    # (the lookups below are padded with a NULL at -1).
    from_receipt = (apps["source_type"] == "receipt").to_numpy()
    receipt = np.full(len(apps), -1)
    receipt[from_receipt] = receipts.index.get_indexer(apps["source_id"][from_receipt])
    memo = np.full(len(apps), -1)
    memo[~from_receipt] = credit_memos.index.get_indexer(apps["source_id"][~from_receipt])

    def padded(values: pd.Series, null) -> np.ndarray:
        array = values.to_numpy()
        return np.append(array, np.array([null], dtype=array.dtype))

    source_currency = np.where(
        from_receipt,
        padded(receipts["currency_code"], None)[receipt],
        padded(credit_memos["currency_code"], None)[memo],
    )
    target_currency = padded(items["currency_code"], None)[target]
    keep = (target >= 0) & (np.maximum(receipt, memo) >= 0) & (source_currency == target_currency)
    apps, target, receipt = apps[keep], target[keep], receipt[keep]
    effective = np.maximum(apps["application_date"].to_numpy(), doc_day.to_numpy()[target])
    reversed_on = padded(receipts["reversal_date"], np.datetime64("NaT"))[receipt]
    counted = np.isnat(reversed_on) | (reversed_on > effective)
    undone = counted & ~np.isnat(reversed_on)
    settled = (apps["applied_amount"] + apps["discount_amount"].fillna(0)).to_numpy()

    adjustments = staged["adjustments"]
    adjustments = adjustments[adjustments["adjustment_date"] <= extract_date]
    adjusted = item_ids.get_indexer(adjustments["document_id"])
    adjustments, adjusted = adjustments[adjusted >= 0], adjusted[adjusted >= 0]
    adjusted_on = pd.Series(
        np.maximum(adjustments["adjustment_date"].to_numpy(), doc_day.to_numpy()[adjusted])
    )

    # Every movement of an INV/DM balance: (item, month it counts in, amount).
    event_item = np.concatenate([np.arange(len(items)), target[counted], target[undone], adjusted])
    event_month = np.concatenate(
        [
            _month_index(doc_day, first_month),
            _month_index(pd.Series(effective[counted]), first_month),
            _month_index(pd.Series(reversed_on[undone]), first_month),
            _month_index(adjusted_on, first_month),
        ]
    )
    event_amount = np.concatenate(
        [
            items["amount"].to_numpy(),
            -settled[counted],
            settled[undone],
            -adjustments["amount"].to_numpy(),
        ]
    )

    # Balances are linear in the events except for recoveries: for the few
    # documents with a write-off, raw(t) and W(t) per month end give
    # recovered(t) = min(W, max(0, -raw)), added at that month end only.
    written = adjustments["adjustment_type"].to_numpy() == "write_off"
    written_items = np.unique(adjusted[written])
    row_of = np.full(len(items), -1)
    row_of[written_items] = np.arange(len(written_items))
    raw = np.zeros((len(written_items), months))
    w = np.zeros((len(written_items), months))
    mine = row_of[event_item] >= 0
    np.add.at(raw, (row_of[event_item[mine]], event_month[mine]), event_amount[mine])
    np.add.at(
        w,
        (row_of[adjusted[written]], _month_index(adjusted_on[written], first_month)),
        adjustments["amount"].to_numpy()[written],
    )
    raw, w = raw.cumsum(axis=1), w.cumsum(axis=1)
    recovered = np.minimum(w, np.maximum(0, -raw))

    # Aggregate by (month, due date): the grid is months x distinct due dates.
    due_code, due_days = pd.factorize(items["due_date"])
    rate = items["rate"].to_numpy()
    grid = np.bincount(
        event_month * len(due_days) + due_code[event_item],
        weights=event_amount * rate[event_item],
        minlength=months * len(due_days),
    ).reshape(months, len(due_days))
    balance = grid.cumsum(axis=0)
    rec_month, rec_row = np.meshgrid(np.arange(months), np.arange(len(written_items)))
    np.add.at(
        balance,
        (rec_month.ravel(), due_code[written_items][rec_row.ravel()]),
        (recovered * rate[written_items][:, None]).ravel(),
    )

    month_start = pd.date_range(
        pd.Timestamp(year=first_month // 12, month=first_month % 12 + 1, day=1),
        periods=months,
        freq="MS",
    )
    as_of = np.minimum(month_start + pd.offsets.MonthEnd(0), extract_date)
    past_due = (as_of.to_numpy()[:, None] - due_days.to_numpy()[None, :]) // np.timedelta64(1, "D")
    bucket = np.searchsorted(np.array(BUCKET_EDGES), past_due, side="left")
    out = pd.DataFrame(
        {
            "month_start_date": month_start,
            "month_end_date": as_of,
            "days_in_period": (as_of - month_start).days + 1,
        }
    )
    for i, name in enumerate(BUCKETS):
        out[name] = np.where(bucket == i, balance, 0).sum(axis=1).round(6)
    out["ar_end"] = balance.sum(axis=1).round(6)
    out["ar_begin"] = out["ar_end"].shift(1, fill_value=0.0)
    sales = np.bincount(
        _month_index(doc_day, first_month), weights=items["amount"] * rate, minlength=months
    )
    out["credit_sales"] = sales.round(6)

    s, days = out["credit_sales"], out["days_in_period"]
    out["dso_days"] = (out["ar_end"] / s * days).where(s > 0)
    collectable = (out["ar_begin"] + s - out["bucket_1_ar_end"]).round(6)
    collected = (out["ar_begin"] + s - out["ar_end"]).round(6)
    out["cei_pct"] = (collected / collectable.where(collectable != 0) * 100).astype("float64")
    return out[
        ["month_start_date", "month_end_date", "days_in_period", *MONEY, "dso_days", "cei_pct"]
    ]


# ---- (b) DuckDB: one statement ---------------------------------------------------


def _sql_column(column: Column, stored: str | None) -> tuple[str, str, str]:
    """SQL of a column in three steps, for a column the file stores as
    `stored` (text, date, number; None when absent): the cleaned cell, the
    parsed value (named after the column) and `this cell is fine`."""
    name, kind = column.name, column.kind
    is_text = kind in ("text", "upper", "lower")
    sql_type = "varchar" if is_text else {"date": "date", "timestamp": "timestamp"}.get(kind)
    sql_type = sql_type or "double"
    if stored is None:  # a NULL column
        cleaned, parsed = f"cast(null as varchar) as {name}", f"cast(null as {sql_type}) as {name}"
        return cleaned, parsed, "false" if column.required else "true"
    text = f"nullif(trim(cast({name} as varchar)), '')"
    checks = []
    if is_text:
        cleaned = {"upper": f"upper({text})", "lower": f"lower({text})"}.get(kind, text)
        cleaned, parsed = f"{cleaned} as {name}", name
    elif stored != "text":  # typed by the file (a Parquet date or number)
        cleaned, parsed = name, f"cast({name} as {sql_type}) as {name}"
    else:
        # As the project parses on DuckDB: ISO dates and numbers of at most 4
        # (rates: 12) decimal places by pattern, timestamps by try_cast.
        cleaned, value = f"{text} as {name}__text", f"try_cast({name}__text as {sql_type})"
        if kind != "timestamp":
            pattern = DATE_PATTERN if kind == "date" else NUMBER_PATTERNS[kind]
            value = f"case when regexp_full_match({name}__text, '{pattern}') then {value} end"
        parsed = f"{value} as {name}, {name}__text"
        checks.append(f"({name}__text is null or {name} is not null)")
    if column.required:
        checks.append(f"{name} is not null")
    if column.codes is not None:
        codes = ", ".join(f"'{c}'" for c in column.codes)
        checks.append(f"coalesce({name} in ({codes}), true)")
    if column.positive:
        checks.append(f"coalesce({name} >= 0, true)")
    return cleaned, parsed, " and ".join(checks) or "true"


# Checks of a row beyond its cells (contract: sign convention; v2: a
# reversed receipt must say since when).
ROW_CHECKS = {
    "ar_documents": "not coalesce((document_type in ('INV', 'DM') and amount < 0)"
    " or (document_type = 'CM' and amount > 0), false)",
    "cash_receipts": "not coalesce(status = 'reversed' and reversal_date is null, false)",
}


def _sql_table(extract: Path, table: str, params: dict) -> str:
    """A subquery of the table's contract columns, cleaned and parsed, with
    is_valid; the file's path is a statement parameter named after the
    table."""
    path = find_table_file(extract, table)
    stored = _file_columns(path) if path is not None else {}
    parts = [_sql_column(column, stored.get(column.name)) for column in CONTRACT[table]]
    cleaned, parsed, checks = (list(p) for p in zip(*parts, strict=True))
    checks.append(ROW_CHECKS.get(table, "true"))
    names = ", ".join(column.name for column in CONTRACT[table])
    valid = " and ".join(f"({c})" for c in checks if c != "true") or "true"
    if path is None:
        reader = f"(select {', '.join(parsed)} limit 0)"
        return f"(select {names}, true as is_valid from {reader})"
    params[table] = str(path)
    reader = (
        f"read_csv(${table}, all_varchar = true, header = true)"
        if path.suffix == ".csv"
        else f"read_parquet(${table})"
    )
    return (
        f"(select {names}, {valid} as is_valid from ("
        f"select {', '.join(parsed)} from (select {', '.join(cleaned)} from {reader})))"
    )


def _sql_staged(table: str, source: str, name: str, version: str | None) -> str:
    """CTEs ending in `name`: the table's valid rows, exact duplicates
    collapsed; of rows sharing a key, the newest version (if any) when one
    row holds it, otherwise none (conflicting_duplicate)."""
    key = ", ".join(KEYS[table])
    resolve = f"count(*) over (partition by {key}) = 1"
    if version is not None:
        resolve = (
            f"{version} = max({version}) over (partition by {key}) "
            f"and count(*) over (partition by {key}, {version}) = 1"
        )
    return f"""{table}_valid as (
    select * exclude (is_valid) from {source} where is_valid
),
{table}_shared as (
    select {key} from {table}_valid group by all having count(*) > 1
),
{name} as (
    select * from {table}_valid anti join {table}_shared using ({key})
    union all
    select * from (
        select distinct * from {table}_valid semi join {table}_shared using ({key})
    )
    qualify {resolve}
),"""


AGING_SQL = """
with
{staging}
customers as (
    select distinct customer_id from {customers} where is_valid
),
extract_date as (
    select max(latest) as extract_date from (
        select max(document_date) as latest from documents
        union all select max(application_date) from applications
        union all select max(receipt_date) from receipts
        union all select max(reversal_date) from receipts
        union all select max(adjustment_date) from adjustments
        union all select greatest(max(opened_date), max(resolved_date)) from {disputes}
        union all select max(cast(activity_ts as date)) from {collection_activities}
        union all select max(cast(responded_at as date)) from {customer_feedback}
    )
),
quotes as (
    -- Direct quotes as given, inverse ones as 1 / rate; direct wins a tie.
    select currency, rate_date, rate
    from (
        select from_currency as currency, rate_date, rate, 0 as priority
        from fx where to_currency = $reporting
        union all
        select to_currency, rate_date, 1 / rate, 1
        from fx where from_currency = $reporting
    )
    qualify row_number() over (partition by currency, rate_date order by priority) = 1
),
daily_rates as (
    -- Each quote serves the days until the next one, at most {staleness} days.
    select
        currency,
        cast(unnest(generate_series(
            rate_date,
            least(coalesce(next_date - 1, rate_date + {staleness}), rate_date + {staleness}),
            interval 1 day
        )) as date) as rate_day,
        rate
    from (
        select
            *, lead(rate_date) over (partition by currency order by rate_date) as next_date
        from quotes
    )
),
kept_documents as (
    select
        d.document_id, d.document_type, d.document_date, d.due_date, d.currency_code,
        d.amount,
        case when d.currency_code = $reporting then 1.0 else q.rate end as rate
    from documents as d
    left join daily_rates as q
        on d.currency_code = q.currency and d.document_date = q.rate_day
    where
        d.document_date <= (select extract_date from extract_date)
        and d.customer_id in (select customer_id from customers)
        and (d.currency_code = $reporting or q.rate is not null)
),
items as (
    select * from kept_documents where document_type in ('INV', 'DM')
),
kept_receipts as (
    select
        r.receipt_id, r.currency_code,
        -- A reversal after the extract date is not known yet.
        case
            when r.reversal_date <= (select extract_date from extract_date)
                then r.reversal_date
        end as reversal_date
    from receipts as r
    left join daily_rates as q
        on r.currency_code = q.currency and r.receipt_date = q.rate_day
    where
        r.receipt_date <= (select extract_date from extract_date)
        and (r.customer_id is null or r.customer_id in (select customer_id from customers))
        and (r.currency_code = $reporting or q.rate is not null)
),
kept_applications as (
    -- Effective at the later of its date and the document's; undone from
    -- its receipt's reversal_date on (never counted if reversed by then).
    select
        i.document_id, i.due_date, i.rate,
        a.applied_amount + coalesce(a.discount_amount, 0) as amount,
        greatest(a.application_date, i.document_date) as effective_date,
        case when a.source_type = 'receipt' then r.reversal_date end as reversal_date
    from applications as a
    inner join items as i on a.document_id = i.document_id
    left join kept_receipts as r on a.source_id = r.receipt_id
    left join (select * from kept_documents where document_type = 'CM') as m
        on a.source_id = m.document_id
    where
        a.application_date <= (select extract_date from extract_date)
        and case
            when a.source_type = 'receipt' then r.currency_code
            else m.currency_code
        end = i.currency_code
),
kept_adjustments as (
    select
        i.document_id, i.due_date, i.rate, j.adjustment_type, j.amount,
        greatest(j.adjustment_date, i.document_date) as effective_date
    from adjustments as j
    inner join items as i on j.document_id = i.document_id
    where j.adjustment_date <= (select extract_date from extract_date)
),
events as (
    select document_id, due_date, rate, document_date as event_date, amount from items
    union all
    select document_id, due_date, rate, effective_date, -amount
    from kept_applications
    where reversal_date is null or reversal_date > effective_date
    union all
    select document_id, due_date, rate, reversal_date, amount
    from kept_applications
    where reversal_date > effective_date
    union all
    select document_id, due_date, rate, effective_date, -amount from kept_adjustments
),
months as (
    select
        cast(month_start as date) as month_start,
        least(
            cast(month_start + interval 1 month - interval 1 day as date),
            (select extract_date from extract_date)
        ) as as_of
    from (
        select unnest(generate_series(
            date_trunc('month', (select min(document_date) from kept_documents)),
            date_trunc('month', (select extract_date from extract_date)),
            interval 1 month
        )) as month_start
    )
),
grid as (
    select
        cast(date_trunc('month', event_date) as date) as event_month,
        due_date,
        sum(amount * rate) as amount
    from events
    group by all
),
written_documents as (
    select distinct document_id from kept_adjustments where adjustment_type = 'write_off'
),
raw_written as (
    -- Balances before recoveries of the documents with a write-off.
    select m.month_start, e.document_id, e.due_date, e.rate, sum(e.amount) as raw
    from events as e
    semi join written_documents as w on e.document_id = w.document_id
    inner join months as m on e.event_date <= m.as_of
    group by all
),
written_off as (
    select m.month_start, j.document_id, sum(j.amount) as written
    from kept_adjustments as j
    inner join months as m on j.effective_date <= m.as_of
    where j.adjustment_type = 'write_off'
    group by all
),
balances as (
    select m.month_start, g.due_date, sum(g.amount) as amount
    from months as m
    inner join grid as g on g.event_month <= m.month_start
    group by all
    union all
    -- Recovered (v2): cash beyond the balance first reverses a write-off.
    select b.month_start, b.due_date, least(w.written, greatest(0, -b.raw)) * b.rate
    from raw_written as b
    inner join written_off as w
        on b.month_start = w.month_start and b.document_id = w.document_id
)
select
    m.month_start as month_start_date,
    m.as_of as month_end_date,
    round(coalesce(sum(b.amount), 0), 6) as ar_end,
    {buckets}
from months as m
left join balances as b on m.month_start = b.month_start
group by all
order by 1
"""


def duckdb_month_end_aging(
    extract: Path, connection: duckdb.DuckDBPyConnection | None = None
) -> pd.DataFrame:
    """Whole-ledger AR and its six buckets per month end, in one statement."""
    extract = Path(extract)
    params: dict[str, str] = {"reporting": REPORTING}
    tables = {table: _sql_table(extract, table, params) for table in CONTRACT}
    staging = "\n".join(
        _sql_staged(table, tables[table], *staged) for table, staged in STAGED.items()
    )
    edges = [None, *BUCKET_EDGES, None]
    buckets = []
    for i, name in enumerate(BUCKETS):
        low, high = edges[i], edges[i + 1]
        conditions = [
            f"m.as_of - b.due_date {op} {edge}"
            for op, edge in ((">", low), ("<=", high))
            if edge is not None
        ]
        buckets.append(
            f"round(coalesce(sum(b.amount) filter (where {' and '.join(conditions)}), 0), 6)"
            f" as {name}"
        )
    sql = AGING_SQL.format(
        **tables,
        staging=staging,
        staleness=FX_MAX_STALENESS_DAYS,
        buckets=",\n    ".join(buckets),
    )
    con = connection or duckdb.connect()
    try:
        return con.execute(sql, params).df()
    finally:
        if connection is None:
            con.close()


# ---- comparison and report ---------------------------------------------------


def compare_with_marts(frame: pd.DataFrame, database: Path, schema: str = "marts") -> dict:
    """Compare a baseline's frame with the whole-ledger rows (segment_type
    'ledger') of marts.rpt_kpis_monthly in a built database, joined on the
    month's first day: the max absolute difference per shared money and
    ratio column, ratios also relative (to the marts' value, or to 1 below
    1), and the months whose end date differs. A NULL on one side only
    counts as an infinite difference."""
    compared = [c for c in [*MONEY, *RATIOS] if c in frame.columns]
    with duckdb.connect(str(database), read_only=True) as con:
        marts = con.execute(
            f"select period_start_date, period_end_date, {', '.join(compared)} "
            f"from {schema}.rpt_kpis_monthly where segment_type = 'ledger' order by 1"
        ).df()
    marts["period_start_date"] = pd.to_datetime(marts["period_start_date"])
    mine = frame.assign(period_start_date=pd.to_datetime(frame["month_start_date"]))
    joined = mine.merge(
        marts, on="period_start_date", how="outer", suffixes=("", "_mart"), indicator=True
    )
    both = joined[joined["_merge"] == "both"]
    max_abs, max_rel = {}, {}
    for column in compared:
        ours = both[column].astype("float64").to_numpy()
        theirs = both[f"{column}_mart"].astype("float64").to_numpy()
        one_null = np.isnan(ours) != np.isnan(theirs)
        diff = np.where(one_null, np.inf, np.nan_to_num(np.abs(ours - theirs)))
        max_abs[column] = float(diff.max(initial=0.0))
        if column in RATIOS:
            scale = np.maximum(np.abs(np.nan_to_num(theirs)), 1.0)
            max_rel[column] = float((diff / scale).max(initial=0.0))
    end_dates_differ = int(
        (pd.to_datetime(both["month_end_date"]) != pd.to_datetime(both["period_end_date"])).sum()
    )
    agrees = (
        all(max_abs[c] <= MONEY_TOLERANCE for c in compared if c in MONEY)
        and all(v <= RATIO_TOLERANCE for v in max_rel.values())
        and (joined["_merge"] == "both").all()
        and end_dates_differ == 0
    )
    return {
        "months": len(both),
        "months_only_in_baseline": int((joined["_merge"] == "left_only").sum()),
        "months_only_in_marts": int((joined["_merge"] == "right_only").sum()),
        "month_end_dates_differ": end_dates_differ,
        "max_abs_diff": max_abs,
        "max_rel_diff": max_rel,
        "agrees": bool(agrees),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extract", type=Path, help="the extract folder")
    parser.add_argument(
        "database", type=Path, nargs="?", help="a built DuckDB database to compare with"
    )
    parser.add_argument("--only", choices=["pandas", "duckdb"], help="run one baseline")
    parser.add_argument(
        "--schema",
        default="marts",
        help="the schema holding rpt_kpis_monthly: marts (published) or marts_build (a build "
        "in steps publishes nothing)",
    )
    parser.add_argument(
        "--json", type=Path, help="also write the results (seconds, months, agrees) to this file"
    )
    args = parser.parse_args(argv)
    results = {}
    baselines = {
        "pandas": ("pandas monthly KPIs", pandas_monthly_kpis),
        "duckdb": ("DuckDB month-end aging (floor)", duckdb_month_end_aging),
    }
    print("| baseline | seconds | months | max abs diff money | max rel diff ratios | marts |")
    print("|---|---:|---:|---:|---:|---|")
    status = 0
    for key, (label, baseline) in baselines.items():
        if args.only and key != args.only:
            continue
        started = time.perf_counter()
        frame = baseline(args.extract)
        seconds = time.perf_counter() - started
        money = ratios = verdict = "-"
        results[key] = {"seconds": round(seconds, 2), "months": len(frame)}
        if args.database is not None:
            result = compare_with_marts(frame, args.database, args.schema)
            results[key]["agrees_with_marts"] = result["agrees"]
            worst = max(
                (c for c in result["max_abs_diff"] if c in MONEY), key=result["max_abs_diff"].get
            )
            money = f"{result['max_abs_diff'][worst]:.2g} ({worst})"
            if result["max_rel_diff"]:
                ratios = ", ".join(f"{v:.2g} ({c})" for c, v in result["max_rel_diff"].items())
            verdict = "agrees" if result["agrees"] else "DIFFERS"
            status |= not result["agrees"]
        print(f"| {label} | {seconds:.2f} | {len(frame)} | {money} | {ratios} | {verdict} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
