"""The generator writes every contract table, deterministically, with sound
referential integrity and realistic behaviour; its GL balances equal net AR
re-computed here independently from the files, except the planted items."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from generated import make_extract
from reference_ledger import ReferenceLedger

from receivables_rpm.contract import load_contract


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


def test_delivery_and_working_capital(small_extract):
    """v2 optional inputs: most documents record how and when they reached the
    customer (electronic the same or next day, paper 2-6 days later); the GL's
    working capital covers every company and closed month in its currency."""
    folder, summary = small_extract
    docs = read(folder, "ar_documents")
    recorded = docs["delivery_channel"].notna()
    assert 0.9 < recorded.mean() < 1
    assert set(docs.loc[recorded, "delivery_channel"]) == {
        "email",
        "portal",
        "edi",
        "paper",
        "other",
    }
    lag = (pd.to_datetime(docs["sent_date"]) - pd.to_datetime(docs["document_date"])).dt.days
    channel = docs["delivery_channel"]
    assert lag[channel.isin(["email", "portal", "edi"])].dropna().between(0, 1).all()
    assert lag[channel == "paper"].dropna().between(2, 6).all()
    assert docs.loc[docs["sent_date"].notna(), "sent_date"].max() <= summary["extract_date"]
    capital = read(folder, "working_capital")
    assert not capital.duplicated(["company_code", "month_end_date"]).any()
    months = pd.to_datetime(capital["month_end_date"])
    assert (months.dt.is_month_end).all() and (
        capital["month_end_date"] <= summary["extract_date"]
    ).all()
    per_company = capital.groupby("company_code")["month_end_date"].nunique()
    assert per_company.nunique() == 1 and len(per_company) == 4
    assert dict(capital.groupby("company_code")["currency_code"].first()) == {
        "AU01": "AUD",
        "DE01": "EUR",
        "GB01": "GBP",
        "US01": "USD",
    }
    for column in ("inventory_balance", "cost_of_goods_sold", "ap_balance", "purchases"):
        assert (capital[column].astype(float) > 0).all(), column


def test_gl_equals_net_ar_except_planted_items(small_extract):
    """Net AR per company at each month end, re-computed from the files alone
    (reference_ledger.py), against gl_ar_control_balances."""
    folder, _ = small_extract
    ledger = ReferenceLedger(folder)
    gl = read(folder, "gl_ar_control_balances")
    planted = read(folder / "_manifest", "gl_reconciling_items")
    net_ar = {end: ledger.net_ar(end) for end in gl["period_end_date"].unique()}
    gl["difference"] = [
        float(row.balance) - net_ar[row.period_end_date].get(row.company_code, 0.0)
        for row in gl.itertuples()
    ]
    found = gl[gl["difference"].abs() > 0.01].set_index(["company_code", "period_end_date"])
    expected = planted.set_index(["company_code", "period_end_date"])["difference"].astype(float)
    assert sorted(found.index) == sorted(expected.index)
    assert np.allclose(found.loc[expected.index, "difference"], expected.to_numpy(), atol=0.01)


def test_demo_sized_summary_is_written(small_extract):
    folder, summary = small_extract
    written = json.loads((folder / "_manifest" / "generation.json").read_text())
    assert written["rows"] == summary["rows"]
    assert written["planted_patterns"]["quality_drift"]["segment_value"] == "Technology"
