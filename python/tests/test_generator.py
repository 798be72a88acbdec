"""The generator writes every contract table, deterministically, with sound
referential integrity and realistic behaviour; its GL balances equal net AR
re-computed here independently from the files, except the planted items."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from conftest import make_extract

from rpm.contract import load_contract


def read(folder, table) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])


def digest(folder) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.csv")):
        h.update(path.read_bytes())
    return h.hexdigest()


def test_every_contract_table_with_exactly_its_columns(root, small_extract):
    folder, _ = small_extract
    for name, table in load_contract(root).items():
        header = list(read(folder, name).columns)
        assert header == table.column_names, name


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, small_extract):
    folder, _ = small_extract
    make_extract(tmp_path / "again")
    make_extract(tmp_path / "other", seed=8)
    assert digest(tmp_path / "again") == digest(folder)
    assert digest(tmp_path / "other") != digest(folder)


def test_parquet_holds_the_same_rows_as_csv(tmp_path, small_extract):
    folder, _ = small_extract
    make_extract(tmp_path / "pq", file_format="parquet")
    csv_docs = read(folder, "ar_documents")
    pq_docs = pd.read_parquet(tmp_path / "pq" / "ar_documents.parquet")
    assert len(pq_docs) == len(csv_docs)
    assert pq_docs["amount"].sum() == pytest.approx(
        csv_docs["amount"].astype(float).sum(), abs=0.01
    )


def test_keys_unique_and_references_resolve(small_extract):
    folder, _ = small_extract
    docs = read(folder, "ar_documents")
    receipts = read(folder, "cash_receipts")
    apps = read(folder, "cash_applications")
    customers = read(folder, "customers")
    assert docs["document_id"].is_unique and receipts["receipt_id"].is_unique
    assert apps["application_id"].is_unique
    assert set(docs["customer_id"]) <= set(customers["customer_id"])
    assert set(apps["document_id"]) <= set(docs.loc[docs["document_type"] != "CM", "document_id"])
    from_receipts = apps[apps["source_type"] == "receipt"]["source_id"]
    from_cms = apps[apps["source_type"] == "credit_memo"]["source_id"]
    assert set(from_receipts) <= set(receipts["receipt_id"])
    assert set(from_cms) <= set(docs.loc[docs["document_type"] == "CM", "document_id"])
    for table in ("adjustments", "disputes", "ar_document_lines"):
        assert set(read(folder, table)["document_id"]) <= set(docs["document_id"]), table


def test_signs_dates_and_lines_follow_the_contract(small_extract):
    folder, summary = small_extract
    docs = read(folder, "ar_documents")
    amount = docs["amount"].astype(float)
    assert (amount[docs["document_type"] == "CM"] < 0).all()
    assert (amount[docs["document_type"] != "CM"] > 0).all()
    assert (docs["due_date"] >= docs["document_date"]).all()
    lines = read(folder, "ar_document_lines")
    lines_total = (
        lines.assign(total=lines["line_amount"].astype(float) + lines["tax_amount"].astype(float))
        .groupby("document_id")["total"]
        .sum()
    )
    joined = docs.set_index("document_id")["amount"].astype(float).loc[lines_total.index]
    assert np.allclose(joined.to_numpy(), lines_total.to_numpy(), atol=0.005)
    extract_date = summary["extract_date"]
    for table, column in (
        ("ar_documents", "document_date"),
        ("cash_receipts", "receipt_date"),
        ("cash_applications", "application_date"),
        ("adjustments", "adjustment_date"),
    ):
        assert read(folder, table)[column].max() <= extract_date, table


def test_realistic_mix_of_behaviours(small_extract):
    folder, _ = small_extract
    docs = read(folder, "ar_documents")
    receipts = read(folder, "cash_receipts")
    apps = read(folder, "cash_applications")
    adjustments = read(folder, "adjustments")
    customers = read(folder, "customers")
    assert set(docs["document_type"]) == {"INV", "CM", "DM"}
    assert docs["currency_code"].nunique() >= 4 and docs["company_code"].nunique() >= 2
    assert set(customers["payment_terms_days"]) == {"30", "45", "60"}
    assert customers["industry"].nunique() >= 5 and customers["country_code"].nunique() >= 6
    assert (receipts["status"] == "reversed").any() and receipts["customer_id"].isna().any()
    assert (apps["discount_amount"].astype(float) > 0).any()
    assert (apps["source_type"] == "credit_memo").any()
    assert set(adjustments["adjustment_type"]) == {"write_off", "small_balance", "other"}
    outcomes = set(read(folder, "collection_activities")["outcome"])
    assert {"right_party_contact", "promise_to_pay", "no_answer"} <= outcomes
    assert len(read(folder, "promises_to_pay")) > 0 and len(read(folder, "cash_forecasts")) > 0
    fx = read(folder, "fx_rates")
    weekdays = pd.to_datetime(fx["rate_date"]).dt.day_of_week
    assert weekdays.max() <= 4, "FX quotes skip weekends"
    assert {"USD"} == set(fx.loc[fx["from_currency"] == "USD", "from_currency"])


def _rates(fx: pd.DataFrame) -> pd.DataFrame:
    """Quotes to USD: direct pairs as quoted, inverse pairs as 1 / rate; the
    direct quote wins a tie of dates."""
    direct = fx[fx["to_currency"] == "USD"].assign(
        currency=fx["from_currency"], to_usd=fx["rate"].astype(float), priority=0
    )
    inverse = fx[fx["from_currency"] == "USD"].assign(
        currency=fx["to_currency"], to_usd=1 / fx["rate"].astype(float), priority=1
    )
    quotes = pd.concat([direct, inverse]).assign(day=lambda f: pd.to_datetime(f["rate_date"]))
    return quotes.sort_values(["currency", "day", "priority"]).drop_duplicates(["currency", "day"])


def _with_rate(frame: pd.DataFrame, date_column: str, quotes: pd.DataFrame) -> pd.Series:
    """Latest quote on or before the date, at most 7 days old; USD is 1."""
    left = frame.assign(day=pd.to_datetime(frame[date_column]), _row=np.arange(len(frame)))
    left = left.sort_values("day")
    merged = pd.merge_asof(
        left,
        quotes[["currency", "day", "to_usd"]].sort_values("day"),
        on="day",
        left_by="currency_code",
        right_by="currency",
        tolerance=pd.Timedelta(days=7),
    ).sort_values("_row")
    rate = merged["to_usd"].to_numpy(copy=True)
    rate[frame["currency_code"].to_numpy() == "USD"] = 1.0
    assert not np.isnan(rate).any()
    return pd.Series(rate, index=frame.index)


def test_gl_equals_net_ar_except_planted_items(small_extract):
    """Net AR (kpi_definitions.md) per company at each month end, from the
    files alone, against gl_ar_control_balances."""
    folder, _ = small_extract
    quotes = _rates(read(folder, "fx_rates"))
    docs = read(folder, "ar_documents")
    docs["rate"] = _with_rate(docs, "document_date", quotes)
    docs["amount"] = docs["amount"].astype(float)
    receipts = read(folder, "cash_receipts")
    receipts["rate"] = _with_rate(receipts, "receipt_date", quotes)
    receipts["amount"] = receipts["amount"].astype(float)
    apps = read(folder, "cash_applications")
    apps = apps.merge(
        docs[["document_id", "company_code", "rate"]], on="document_id", how="left"
    ).merge(
        receipts[["receipt_id", "rate", "reversal_date"]].rename(
            columns={"receipt_id": "source_id", "rate": "receipt_rate"}
        ),
        on="source_id",
        how="left",
    )
    cm_rate = docs.set_index("document_id")["rate"]
    apps["source_rate"] = np.where(
        apps["source_type"] == "receipt",
        apps["receipt_rate"],
        apps["source_id"].map(cm_rate),
    )
    applied = apps["applied_amount"].astype(float)
    discount = apps["discount_amount"].astype(float)
    adjustments = read(folder, "adjustments").merge(
        docs[["document_id", "company_code", "rate"]], on="document_id"
    )
    gl = read(folder, "gl_ar_control_balances")
    planted = read(folder / "_manifest", "gl_reconciling_items")
    differences = []
    for row in gl.itertuples():
        t, company = row.period_end_date, row.company_code
        d = docs[(docs["company_code"] == company) & (docs["document_date"] <= t)]
        # AR and unapplied credits: every document's amount less what was
        # applied to it; an application counts until its receipt's reversal.
        counts = (
            (apps["company_code"] == company)
            & (apps["application_date"] <= t)
            & ~(apps["reversal_date"].notna() & (apps["reversal_date"] <= t))
        )
        doc_side = (d["amount"] * d["rate"]).sum() - (
            (applied + discount)[counts] * apps.loc[counts, "rate"]
        ).sum()
        # ... and the credit memo's own balance rises by what it applied.
        cm_side = (
            (applied[counts] * apps.loc[counts, "source_rate"])
            .where(apps.loc[counts, "source_type"] == "credit_memo", 0)
            .sum()
        )
        a = adjustments[
            (adjustments["company_code"] == company) & (adjustments["adjustment_date"] <= t)
        ]
        adjusted = (a["amount"].astype(float) * a["rate"]).sum()
        r = receipts[
            (receipts["company_code"] == company)
            & (receipts["receipt_date"] <= t)
            & ~(receipts["reversal_date"].notna() & (receipts["reversal_date"] <= t))
        ]
        from_receipts = counts & (apps["source_type"] == "receipt")
        unapplied_cash = (r["amount"] * r["rate"]).sum() - (
            applied[from_receipts] * apps.loc[from_receipts, "receipt_rate"]
        ).sum()
        net_ar = doc_side + cm_side - adjusted - unapplied_cash
        differences.append(float(row.balance) - net_ar)
    gl["difference"] = differences
    off = gl[gl["difference"].abs() > 0.01]
    expected = planted.set_index(["company_code", "period_end_date"])["difference"].astype(float)
    found = off.set_index(["company_code", "period_end_date"])["difference"]
    assert sorted(found.index) == sorted(expected.index)
    assert np.allclose(found.loc[expected.index].to_numpy(), expected.to_numpy(), atol=0.01)


def test_demo_sized_summary_is_written(small_extract):
    folder, summary = small_extract
    written = json.loads((folder / "_manifest" / "generation.json").read_text())
    assert written["rows"] == summary["rows"]
    assert written["planted_patterns"]["quality_drift"]["segment_value"] == "Technology"
