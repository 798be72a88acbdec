"""--messy: inject contract violations and harmless noise, and record each one.

Every injected defect becomes a manifest row with the outcome the project must
produce: `quarantined` with a reason code, `normalised` (staged with the
canonical value), `collapsed` (an exact duplicate row), `superseded` (an
older version of a document), `flagged` (suspicious but possible, contract
v2: staged with a flag on the row) or `staged` (a valid row whose defect shows on
other rows: a receipt moved to another currency makes its applications
cross-currency). Rows that point at a quarantined parent are listed too,
with reason `orphan_reference` (the contract's cascade), as are the
applications of a cross-currency receipt.

Child rows are only corrupted when their parents are clean, so each raw row
carries at most one defect and one expected reason. Precedence when a row
could be rejected for several reasons, the same as the staging models: its
own defect, then orphan_reference, then cross_currency_application.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

PRIMARY_KEYS = {
    "customers": ["customer_id"],
    "ar_documents": ["document_id"],
    "ar_document_lines": ["document_id", "line_number"],
    "cash_receipts": ["receipt_id"],
    "cash_applications": ["application_id"],
    "adjustments": ["adjustment_id"],
    "disputes": ["dispute_id"],
    "collection_activities": ["activity_id"],
    "promises_to_pay": ["promise_id"],
    "credit_approvals": ["approval_id"],
    "collectors": ["collector_id"],
    "fx_rates": ["rate_date", "from_currency", "to_currency"],
    "gl_ar_control_balances": ["company_code", "period_end_date", "currency_code"],
    "cash_forecasts": ["forecast_id"],
    "customer_feedback": ["response_id"],
    "working_capital": ["company_code", "month_end_date"],
}
MANIFEST_COLUMNS = [
    "table_name",
    "record_key",
    "defect",
    "column_name",
    "injected_value",
    "expected_outcome",
    "expected_reason",
]


@dataclass(frozen=True)
class Defect:
    name: str
    column: str | None
    outcome: str
    reason: str | None
    # Returns the new value of `column` for the chosen rows (set in place), or
    # None for defects that append a row (duplicates, versions).
    mutate: Callable[[pd.Series, np.random.Generator], pd.Series] | None
    eligible: Callable[[pd.DataFrame], np.ndarray] | None = None
    forced: bool = False  # at least one in the first block, so every reason shows


def _const(value):
    return lambda column, rng: pd.Series(value, index=column.index, dtype=object)


def _bad_month(column, rng):
    return column.str.slice(0, 5) + "13" + column.str.slice(7)


def _negate(column, rng):
    return "-" + column


def _pad_lower(column, rng):
    return "  " + column.str.lower() + " "


def _lower(column, rng):
    return column.str.lower()


def _upper_pad(column, rng):
    return " " + column.str.upper()


def _other_quoted_currency(column, rng):
    return column.map(lambda c: "GBP" if c == "EUR" else "EUR")


def _is(column, value):
    return lambda frame: (frame[column] == value).to_numpy()


def _has(column):
    return lambda frame: frame[column].notna().to_numpy()


DEFECTS: dict[str, list[Defect]] = {
    "ar_documents": [
        Defect(
            "unparseable_date",
            "document_date",
            "quarantined",
            "unparseable_date",
            _bad_month,
            forced=True,
        ),
        Defect(
            "unparseable_number",
            "amount",
            "quarantined",
            "unparseable_number",
            lambda c, r: c.str.replace(".", ",", regex=False) + "x",
            forced=True,
        ),
        Defect(
            "missing_required_value",
            "customer_id",
            "quarantined",
            "missing_required_value",
            _const(None),
            forced=True,
        ),
        Defect(
            "unknown_code",
            "document_type",
            "quarantined",
            "unknown_code",
            _const("INX"),
            forced=True,
        ),
        Defect(
            "wrong_sign",
            "amount",
            "quarantined",
            "wrong_sign",
            _negate,
            _is("document_type", "INV"),
            forced=True,
        ),
        # Suspicious, not invalid (contract v2): staged and flagged.
        Defect(
            "due_before_document_date",
            "due_date",
            "flagged",
            None,
            _const("1999-12-31"),
            _is("document_type", "INV"),
            forced=True,
        ),
        Defect(
            "missing_fx_rate",
            "currency_code",
            "quarantined",
            "missing_fx_rate",
            _const("CHF"),
            forced=True,
        ),
        Defect(
            "orphan_reference",
            "customer_id",
            "quarantined",
            "orphan_reference",
            lambda c, r: "CX" + c.str.slice(1),
            forced=True,
        ),
        Defect(
            "conflicting_duplicate",
            "amount",
            "quarantined",
            "conflicting_duplicate",
            None,
            forced=True,
        ),
        Defect(
            "padded_lower_case_code", "document_type", "normalised", None, _pad_lower, forced=True
        ),
        Defect("lower_case_currency", "currency_code", "normalised", None, _lower, forced=True),
        Defect("repeated_export", None, "collapsed", None, None, forced=True),
        Defect("newer_version", "due_date", "superseded", None, None, forced=True),
        # The optional delivery columns (v2) follow the same rules.
        Defect(
            "unknown_delivery_channel",
            "delivery_channel",
            "quarantined",
            "unknown_code",
            _const("fax"),
            _has("delivery_channel"),
            forced=True,
        ),
        Defect(
            "unparseable_sent_date",
            "sent_date",
            "quarantined",
            "unparseable_date",
            _bad_month,
            _has("sent_date"),
            forced=True,
        ),
        Defect(
            "upper_case_delivery_channel",
            "delivery_channel",
            "normalised",
            None,
            _upper_pad,
            _has("delivery_channel"),
            forced=True,
        ),
        Defect(
            "sent_before_document_date",
            "sent_date",
            "flagged",
            None,
            _const("1999-12-31"),
            _has("sent_date"),
            forced=True,
        ),
    ],
    "cash_receipts": [
        Defect("negative_amount", "amount", "quarantined", "negative_amount", _negate, forced=True),
        Defect("unknown_code", "payment_method", "quarantined", "unknown_code", _const("bitcoin")),
        Defect("unparseable_date", "receipt_date", "quarantined", "unparseable_date", _bad_month),
        Defect("upper_case_status", "status", "normalised", None, _upper_pad),
        Defect("repeated_export", None, "collapsed", None, None),
        Defect(
            "cross_currency_receipt",
            "currency_code",
            "staged",
            None,
            _other_quoted_currency,
            lambda f: f["customer_id"].notna().to_numpy() & f["_has_applications"].to_numpy(),
            forced=True,
        ),
    ],
    "cash_applications": [
        Defect(
            "orphan_reference",
            "document_id",
            "quarantined",
            "orphan_reference",
            lambda c, r: "DX" + c.str.slice(1),
            forced=True,
        ),
        Defect("negative_amount", "applied_amount", "quarantined", "negative_amount", _negate),
        Defect(
            "unparseable_number",
            "applied_amount",
            "quarantined",
            "unparseable_number",
            _const("n/a"),
        ),
        Defect("unknown_code", "source_type", "quarantined", "unknown_code", _const("cheque")),
        Defect(
            "missing_required_value",
            "application_date",
            "quarantined",
            "missing_required_value",
            _const(None),
        ),
        Defect("upper_case_code", "source_type", "normalised", None, _upper_pad),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    "adjustments": [
        Defect(
            "unknown_code", "adjustment_type", "quarantined", "unknown_code", _const("writeoff")
        ),
        Defect("negative_amount", "amount", "quarantined", "negative_amount", _negate),
        Defect("upper_case_code", "adjustment_type", "normalised", None, _upper_pad),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    "disputes": [
        Defect("unknown_code", "dispute_type", "quarantined", "unknown_code", _const("billing")),
        Defect("unparseable_date", "opened_date", "quarantined", "unparseable_date", _bad_month),
        Defect("upper_case_code", "dispute_type", "normalised", None, _upper_pad),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    "ar_document_lines": [
        Defect(
            "unparseable_number",
            "line_amount",
            "quarantined",
            "unparseable_number",
            _const("12.3.4"),
        ),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    "collection_activities": [
        Defect("unknown_code", "channel", "quarantined", "unknown_code", _const("fax")),
        Defect(
            "orphan_reference",
            "customer_id",
            "quarantined",
            "orphan_reference",
            lambda c, r: "CX" + c.str.slice(1),
        ),
        Defect(
            "unparseable_date",
            "activity_ts",
            "quarantined",
            "unparseable_date",
            _const("yesterday"),
        ),
        Defect("upper_case_code", "outcome", "normalised", None, _upper_pad),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    "promises_to_pay": [
        Defect(
            "unparseable_number",
            "promised_amount",
            "quarantined",
            "unparseable_number",
            _const("tbd"),
        ),
        Defect(
            "orphan_reference",
            "customer_id",
            "quarantined",
            "orphan_reference",
            lambda c, r: "CX" + c.str.slice(1),
        ),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    "customers": [
        Defect("lower_case_country", "country_code", "normalised", None, _pad_lower),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    "credit_approvals": [
        Defect("unparseable_date", "valid_until", "quarantined", "unparseable_date", _bad_month),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    "customer_feedback": [
        Defect(
            "out_of_range",
            "csat_score",
            "quarantined",
            "unparseable_number",
            _const("9"),
            forced=True,
        ),
        Defect("upper_case_code", "channel", "normalised", None, _upper_pad),
        Defect("repeated_export", None, "collapsed", None, None),
    ],
    # Global tables (written once): noise only, so that a handful of rows
    # never decides the quarantine share.
    "fx_rates": [
        Defect("lower_case_currency", "from_currency", "normalised", None, _lower, forced=True),
        Defect("repeated_export", None, "collapsed", None, None, forced=True),
    ],
    "collectors": [Defect("repeated_export", None, "collapsed", None, None, forced=True)],
    "gl_ar_control_balances": [
        Defect("repeated_export", None, "collapsed", None, None, forced=True)
    ],
    "cash_forecasts": [Defect("repeated_export", None, "collapsed", None, None, forced=True)],
    "working_capital": [
        Defect("lower_case_currency", "currency_code", "normalised", None, _lower, forced=True),
        Defect("repeated_export", None, "collapsed", None, None, forced=True),
    ],
}

# child table -> (column, parent table, extra condition column/value)
CASCADES = [
    ("cash_applications", "document_id", "ar_documents", None),
    ("cash_applications", "source_id", "ar_documents", ("source_type", "credit_memo")),
    ("cash_applications", "source_id", "cash_receipts", ("source_type", "receipt")),
    ("adjustments", "document_id", "ar_documents", None),
    ("disputes", "document_id", "ar_documents", None),
    ("ar_document_lines", "document_id", "ar_documents", None),
]


def as_strings(table: pa.Table) -> pd.DataFrame:
    """Every column as text: in messy mode the extract is written as strings."""
    strings = table.cast(pa.schema([pa.field(f.name, pa.string()) for f in table.schema]))
    return strings.to_pandas().astype(object).where(lambda f: f.notna(), None)


def record_key(frame: pd.DataFrame, table: str) -> pd.Series:
    columns = PRIMARY_KEYS[table]
    key = frame[columns[0]].astype(str)
    for column in columns[1:]:
        key = key + "|" + frame[column].astype(str)
    return key


class Injector:
    """Injects defects table by table, parents before children."""

    def __init__(self, rate: float, rng: np.random.Generator, first_block: bool):
        self.rate = rate
        self.rng = rng
        self.first_block = first_block
        self.manifest: list[pd.DataFrame] = []
        self.quarantined_keys: dict[str, set[str]] = {}
        self.cross_currency_receipts: set[str] = set()

    def inject(self, tables: dict[str, pa.Table]) -> dict[str, pd.DataFrame]:
        frames = {name: as_strings(t) for name, t in tables.items()}
        if "cash_receipts" in frames and "cash_applications" in frames:
            applied = set(frames["cash_applications"]["source_id"].dropna())
            frames["cash_receipts"]["_has_applications"] = frames["cash_receipts"][
                "receipt_id"
            ].isin(applied)
        for name in [*(t for t in DEFECTS if t in frames)]:
            frames[name] = self._inject_table(name, frames[name])
        self._cascade(frames)
        if "cash_receipts" in frames:
            frames["cash_receipts"] = frames["cash_receipts"].drop(columns="_has_applications")
        return frames

    def _points_at_bad_parent(
        self, name: str, frame: pd.DataFrame, with_cross_currency: bool
    ) -> np.ndarray:
        """Rows of child table `name` whose parent is quarantined (and, when
        asked, applications of a receipt moved to another currency)."""
        hit_any = np.zeros(len(frame), dtype=bool)
        for child, column, parent, condition in CASCADES:
            if child != name:
                continue
            bad = self.quarantined_keys.get(parent, set())
            if with_cross_currency and parent == "cash_receipts":
                bad = bad | self.cross_currency_receipts
            hit = frame[column].isin(bad).to_numpy()
            if condition is not None:
                hit = hit & (frame[condition[0]] == condition[1]).to_numpy()
            hit_any = hit_any | hit
        return hit_any

    def _inject_table(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        defects = DEFECTS[name]
        available = ~self._points_at_bad_parent(name, frame, with_cross_currency=True)
        appended = []
        rows_manifest = []
        for defect in defects:
            # Deterministic counts keep a table's injected share at or below
            # the rate (plus the forced ones), whatever its size.
            count = int(len(frame) * self.rate / len(defects))
            if defect.forced and self.first_block:
                count = max(count, 1)
            mask = available.copy()
            if defect.eligible is not None:
                mask &= defect.eligible(frame)
            candidates = np.flatnonzero(mask)
            if count == 0 or len(candidates) == 0:
                continue
            chosen = self.rng.choice(candidates, min(count, len(candidates)), replace=False)
            available[chosen] = False
            keys = record_key(frame.iloc[chosen], name)
            injected = None
            if defect.name == "repeated_export":
                appended.append(frame.iloc[chosen])
            elif defect.name == "conflicting_duplicate":
                copy = frame.iloc[chosen].copy()
                copy["amount"] = (pd.to_numeric(copy["amount"]) + 1).astype(str)
                appended.append(copy)
                injected = copy["amount"]
                rows_manifest.append(self._rows(name, keys, defect, injected))  # both rows
            elif defect.name == "newer_version":
                # An older version: earlier timestamp, another due date.
                older = frame.iloc[chosen].copy()
                older["source_updated_at"] = (
                    pd.to_datetime(older["source_updated_at"]) - pd.Timedelta(days=2)
                ).dt.strftime("%Y-%m-%dT%H:%M:%S")
                older["due_date"] = (
                    pd.to_datetime(older["due_date"]) + pd.Timedelta(days=7)
                ).dt.strftime("%Y-%m-%d")
                appended.append(older)
                injected = older["due_date"]
            else:
                injected = defect.mutate(frame.iloc[chosen][defect.column], self.rng)
                frame.loc[frame.index[chosen], defect.column] = injected.to_numpy()
            rows_manifest.append(self._rows(name, keys, defect, injected))
            if defect.outcome == "quarantined":
                self.quarantined_keys.setdefault(name, set()).update(keys)
            if defect.outcome == "staged" and name == "cash_receipts":
                self.cross_currency_receipts.update(keys)
        self.manifest.extend(rows_manifest)
        if appended:
            frame = pd.concat([frame, *appended], ignore_index=True)
            # Shuffle the appended rows into the file, as a re-export would.
            frame = frame.iloc[self.rng.permutation(len(frame))].reset_index(drop=True)
        return frame

    def _rows(self, name, keys, defect: Defect, injected) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "table_name": name,
                "record_key": keys.to_numpy(),
                "defect": defect.name,
                "column_name": defect.column,
                "injected_value": None if injected is None else pd.Series(injected).to_numpy(),
                "expected_outcome": defect.outcome,
                "expected_reason": defect.reason,
            }
        )

    def _cascade(self, frames: dict[str, pd.DataFrame]) -> None:
        """Children of quarantined parents: orphan_reference; applications of a
        cross-currency receipt: cross_currency_application."""
        for child in dict.fromkeys(c[0] for c in CASCADES):
            if child not in frames:
                continue
            frame = frames[child]
            own = self.quarantined_keys.get(child, set())
            keys = record_key(frame, child)
            orphan = self._points_at_bad_parent(child, frame, with_cross_currency=False)
            orphan = orphan & ~keys.isin(own).to_numpy()
            cross = np.zeros(len(frame), dtype=bool)
            if child == "cash_applications":
                cross = (
                    (frame["source_type"] == "receipt").to_numpy()
                    & frame["source_id"].isin(self.cross_currency_receipts).to_numpy()
                    & ~orphan
                    & ~keys.isin(own).to_numpy()
                )
            for mask, reason, defect in (
                (orphan, "orphan_reference", "parent_quarantined"),
                (cross, "cross_currency_application", "source_in_other_currency"),
            ):
                if mask.any():
                    self.manifest.append(
                        pd.DataFrame(
                            {
                                "table_name": child,
                                "record_key": keys[mask].to_numpy(),
                                "defect": defect,
                                "column_name": None,
                                "injected_value": None,
                                "expected_outcome": "quarantined",
                                "expected_reason": reason,
                            }
                        )
                    )

    def manifest_frame(self) -> pd.DataFrame:
        if not self.manifest:
            return pd.DataFrame(columns=MANIFEST_COLUMNS)
        return pd.concat(self.manifest, ignore_index=True)[MANIFEST_COLUMNS]
