"""Turn a simulated block into the contract's tables (column names, order, types).

Ids are formatted here from integer sequence numbers (0 = NULL for nullable
references). Dates are Arrow date32, timestamps ISO strings, money float64
with two decimals (zero for JPY).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from receivables_rpm.generator.ledger import (
    COUNTRIES,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    NAME_PARTS,
    NAME_SUFFIX,
    NEVER,
    Context,
)

ID_FORMATS = {
    "customer": ("C", 7),
    "document": ("D", 9),
    "receipt": ("R", 9),
    "application": ("A", 10),
    "adjustment": ("J", 9),
    "dispute": ("X", 8),
    "activity": ("T", 10),
    "promise": ("P", 9),
    "approval": ("CA", 8),
    "response": ("F", 9),
    "collector": ("K", 3),
    "forecast": ("TF", 6),
}


def ids(kind: str, numbers) -> pa.Array:
    """'C0000042' style ids; 0 or negative numbers become NULL."""
    prefix, width = ID_FORMATS[kind]
    numbers = np.asarray(numbers, dtype=np.int64)
    text = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    text = pc.binary_join_element_wise(prefix, text, "")
    return pc.if_else(pa.array(numbers > 0), text, pa.scalar(None, pa.string()))


def dates(days, never_is_null: bool = True) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    mask = days >= NEVER if never_is_null else None
    return pa.array(np.where(days >= NEVER, 0, days).astype(np.int32), pa.date32(), mask=mask)


def timestamps(seconds) -> pa.Array:
    ts = pa.array(np.asarray(seconds, dtype=np.int64), pa.timestamp("s"))
    return pc.strftime(ts, format="%Y-%m-%dT%H:%M:%S")


def money(cents) -> pa.Array:
    return pa.array(np.asarray(cents, dtype=np.int64) / 100.0, pa.float64())


def text(values) -> pa.Array:
    return pa.array(pd.Series(values, dtype=object).where(pd.notna(values), None), pa.string())


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def customers(block: pd.DataFrame) -> pa.Table:
    no = block["customer_no"].to_numpy()
    name = _join(
        pa.array(np.array(NAME_PARTS)[no % len(NAME_PARTS)]),
        " ",
        pa.array(np.array(NAME_SUFFIX)[(no // 7) % len(NAME_SUFFIX)]),
        " ",
        pa.array(no).cast(pa.string()),
    )
    first = np.array(FIRST_NAMES)[no % len(FIRST_NAMES)]
    last = np.array(LAST_NAMES)[(no // 3) % len(LAST_NAMES)]
    contact = _join(pa.array(first), " ", pa.array(last))
    email = _join(
        pc.utf8_lower(pa.array(first)),
        ".",
        pc.utf8_lower(pa.array(last)),
        "@c",
        pa.array(no).cast(pa.string()),
        ".example.com",
    )
    phone = _join("+1 555 ", pc.utf8_lpad(pa.array(no % 10_000_000).cast(pa.string()), 7, "0"))
    parent_pos = block["parent"].to_numpy()
    parent_no = np.where(parent_pos >= 0, no[np.clip(parent_pos, 0, None)], 0)
    credit_limit = block["credit_limit"].to_numpy()
    return pa.table(
        {
            "customer_id": ids("customer", no),
            "customer_name": name,
            "parent_customer_id": ids("customer", parent_no),
            "industry": pa.array(np.array(INDUSTRIES)[block["industry"].to_numpy()]),
            "country_code": pa.array(
                np.array([c[0] for c in COUNTRIES])[block["country"].to_numpy()]
            ),
            "region": text(block["region"].to_numpy()),
            "customer_since": dates(block["since_day"].to_numpy()),
            "credit_limit": pa.array(credit_limit, pa.float64(), mask=np.isnan(credit_limit)),
            "credit_currency": pa.array(block["currency"].to_numpy(), mask=np.isnan(credit_limit)),
            "payment_terms_days": pa.array(block["terms"].to_numpy(), pa.int64()),
            "collector_id": ids("collector", block["collector"].to_numpy() + 1),
            "billing_contact_name": contact,
            "billing_contact_email": email,
            "billing_contact_phone": phone,
        }
    )


def ar_documents(docs: pd.DataFrame) -> pa.Table:
    doc_type = docs["document_type"].to_numpy()
    no = docs["document_no"].to_numpy()
    number = _join(pa.array(doc_type), "-", pa.array(no + 10_000_000).cast(pa.string()))
    po = _join("PO-", pa.array(no % 900_000 + 100_000).cast(pa.string()))
    has_po = (doc_type == "INV") & docs["has_po"].to_numpy()
    return pa.table(
        {
            "document_id": ids("document", no),
            "document_number": number,
            "document_type": pa.array(doc_type),
            "customer_id": ids("customer", docs["customer_no"].to_numpy()),
            "company_code": pa.array(docs["company_code"].to_numpy()),
            "document_date": dates(docs["document_day"].to_numpy()),
            "posting_date": dates(docs["posting_day"].to_numpy()),
            "due_date": dates(docs["due_day"].to_numpy()),
            "currency_code": pa.array(docs["currency_code"].to_numpy()),
            "amount": money(docs["amount_cents"].to_numpy()),
            "tax_amount": money(docs["tax_cents"].to_numpy()),
            "reference_document_id": ids("document", docs["reference_no"].to_numpy()),
            "po_number": pc.if_else(pa.array(has_po), po, pa.scalar(None, pa.string())),
            "source_updated_at": timestamps(docs["updated_seconds"].to_numpy()),
            "sent_date": dates(docs["sent_day"].to_numpy()),
            "delivery_channel": pa.array(docs["delivery_channel"], pa.string(), from_pandas=True),
        }
    )


def ar_document_lines(lines: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "document_id": ids("document", lines["document_no"].to_numpy()),
            "line_number": pa.array(lines["line_number"].to_numpy(), pa.int64()),
            "product_category": pa.array(lines["product_category"].to_numpy()),
            "quantity": pa.array(lines["quantity"].to_numpy(), pa.float64()),
            "unit_price": pa.array(lines["unit_price"].to_numpy(), pa.float64()),
            "line_amount": money(lines["line_cents"].to_numpy()),
            "tax_amount": money(lines["tax_cents"].to_numpy()),
        }
    )


def cash_receipts(rec: pd.DataFrame) -> pa.Table:
    reversed_ = rec["is_reversed"].to_numpy()
    return pa.table(
        {
            "receipt_id": ids("receipt", rec["receipt_no"].to_numpy()),
            "customer_id": ids("customer", rec["customer_no"].to_numpy()),
            "company_code": pa.array(rec["company_code"].to_numpy()),
            "receipt_date": dates(rec["receipt_day"].to_numpy()),
            "currency_code": pa.array(rec["currency_code"].to_numpy()),
            "amount": money(rec["amount_cents"].to_numpy()),
            "payment_method": pa.array(rec["payment_method"].to_numpy()),
            "status": pa.array(np.where(reversed_, "reversed", "cleared")),
            "reversal_date": dates(np.where(reversed_, rec["reversal_day"].to_numpy(), NEVER)),
        }
    )


def cash_applications(apps: pd.DataFrame) -> pa.Table:
    is_receipt = apps["source_type"].to_numpy() == "receipt"
    source_no = apps["source_no"].to_numpy()
    return pa.table(
        {
            "application_id": ids("application", apps["application_no"].to_numpy()),
            "document_id": ids("document", apps["document_no"].to_numpy()),
            "source_type": pa.array(apps["source_type"].to_numpy()),
            "source_id": pc.if_else(
                pa.array(is_receipt), ids("receipt", source_no), ids("document", source_no)
            ),
            "application_date": dates(apps["application_day"].to_numpy()),
            "applied_amount": money(apps["applied_cents"].to_numpy()),
            "discount_amount": money(apps["discount_cents"].to_numpy()),
        }
    )


def adjustments(adj: pd.DataFrame) -> pa.Table:
    adj_type = adj["adjustment_type"].to_numpy()
    reason = np.select(
        [adj_type == "write_off", adj_type == "small_balance"],
        ["uncollectible", "short_payment"],
        "dispute_settlement",
    )
    approver = np.where(adj_type == "small_balance", None, "M. Controller")
    return pa.table(
        {
            "adjustment_id": ids("adjustment", adj["adjustment_no"].to_numpy()),
            "document_id": ids("document", adj["document_no"].to_numpy()),
            "adjustment_date": dates(adj["adjustment_day"].to_numpy()),
            "adjustment_type": pa.array(adj_type),
            "amount": money(adj["amount_cents"].to_numpy()),
            "reason_code": pa.array(reason),
            "approved_by": text(approver),
        }
    )


def disputes(dis: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "dispute_id": ids("dispute", dis["dispute_no"].to_numpy()),
            "document_id": ids("document", dis["document_no"].to_numpy()),
            "customer_id": ids("customer", dis["customer_no"].to_numpy()),
            "dispute_type": pa.array(dis["dispute_type"].to_numpy()),
            "disputed_amount": money(dis["disputed_cents"].to_numpy()),
            "opened_date": dates(dis["opened_day"].to_numpy()),
            "resolved_date": dates(dis["resolved_day"].to_numpy()),
            "resolution": text(dis["resolution"].to_numpy()),
        }
    )


def collection_activities(acts: pd.DataFrame) -> pa.Table:
    no = acts["customer_no"].to_numpy()
    contact = _join(
        pa.array(np.array(FIRST_NAMES)[no % len(FIRST_NAMES)]),
        " ",
        pa.array(np.array(LAST_NAMES)[(no // 3) % len(LAST_NAMES)]),
    )
    spoke = acts["has_contact"].to_numpy() & np.isin(
        acts["outcome"].to_numpy(),
        ["right_party_contact", "promise_to_pay", "dispute_raised", "refused"],
    )
    return pa.table(
        {
            "activity_id": ids("activity", acts["activity_no"].to_numpy()),
            "customer_id": ids("customer", no),
            "document_id": ids("document", acts["document_no"].to_numpy()),
            "activity_ts": timestamps(acts["seconds"].to_numpy()),
            "channel": pa.array(acts["channel"].to_numpy()),
            "direction": pa.array(acts["direction"].to_numpy()),
            "collector_id": ids("collector", acts["collector"].to_numpy() + 1),
            "outcome": pa.array(acts["outcome"].to_numpy()),
            "contact_name": pc.if_else(pa.array(spoke), contact, pa.scalar(None, pa.string())),
        }
    )


def promises_to_pay(prom: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "promise_id": ids("promise", prom["promise_no"].to_numpy()),
            "customer_id": ids("customer", prom["customer_no"].to_numpy()),
            "activity_id": ids("activity", prom["activity_no"].to_numpy()),
            "document_id": ids("document", prom["document_no"].to_numpy()),
            "created_date": dates(prom["created_day"].to_numpy()),
            "promised_date": dates(prom["promised_day"].to_numpy()),
            "promised_amount": money(prom["promised_cents"].to_numpy()),
            "currency_code": pa.array(prom["currency_code"].to_numpy()),
        }
    )


def credit_approvals(appr: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "approval_id": ids("approval", appr["approval_no"].to_numpy()),
            "customer_id": ids("customer", appr["customer_no"].to_numpy()),
            "approved_by": pa.array(appr["approved_by"].to_numpy()),
            "approved_at": timestamps(appr["seconds"].to_numpy()),
            "valid_until": dates(appr["valid_until_day"].to_numpy()),
        }
    )


def customer_feedback(fb: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "response_id": ids("response", fb["response_no"].to_numpy()),
            "customer_id": ids("customer", fb["customer_no"].to_numpy()),
            "responded_at": timestamps(fb["seconds"].to_numpy()),
            "csat_score": pa.array(fb["csat_score"].to_numpy(), pa.int64()),
            "channel": pa.array(fb["channel"].to_numpy()),
        }
    )


BLOCK_TABLES = {
    "customers": customers,
    "ar_documents": ar_documents,
    "ar_document_lines": ar_document_lines,
    "cash_receipts": cash_receipts,
    "cash_applications": cash_applications,
    "adjustments": adjustments,
    "disputes": disputes,
    "collection_activities": collection_activities,
    "promises_to_pay": promises_to_pay,
    "credit_approvals": credit_approvals,
    "customer_feedback": customer_feedback,
}


def block_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pa.Table]:
    return {name: fmt(tables[name]) for name, fmt in BLOCK_TABLES.items()}


def collectors(ctx: Context) -> pa.Table:
    n = ctx.n_collectors
    numbers = np.arange(1, n + 1)
    return pa.table(
        {
            "collector_id": ids("collector", numbers),
            "collector_name": _join(
                pa.array(np.array(FIRST_NAMES)[numbers % len(FIRST_NAMES)]),
                " ",
                pa.array(np.array(LAST_NAMES)[(numbers * 5) % len(LAST_NAMES)]),
            ),
            "team": pa.array(np.where(numbers <= n // 2, "Team Americas", "Team International")),
        }
    )


def fx_rates(quotes: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "rate_date": dates(quotes["rate_date"].to_numpy()),
            "from_currency": pa.array(quotes["from_currency"].to_numpy()),
            "to_currency": pa.array(quotes["to_currency"].to_numpy()),
            "rate": pa.array(quotes["rate"].to_numpy(), pa.float64()),
        }
    )
