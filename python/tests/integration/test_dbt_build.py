"""Real `dbt build` runs on real DuckDB files: four builds, shared by the
assertions below (dbt costs seconds of fixed overhead per command).

  clean    a clean Parquet extract builds green and stages every row
  messy    defects below the threshold: green with warnings, and every
           manifest defect has its expected outcome, nothing else is touched
  rejected defects above the threshold: the build fails naming table, reason
           and an example key
  worked   docs/spec/worked_example (optional tables absent) stages with
           row counts and amounts equal to its CSVs
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.integration

ACCOUNTING = "select * from quarantine.extract_row_accounting order by table_name"


def test_clean_extract_builds_green_and_stages_every_row(clean):
    build, summary = clean
    assert build.returncode == 0, build.output[-3000:]
    accounting = build.query(ACCOUNTING).set_index("table_name")
    assert accounting[["collapsed_rows", "superseded_rows", "quarantined_rows"]].sum().sum() == 0
    assert accounting["staged_rows"].to_dict() == summary["rows"]
    extract_date = build.query("select extract_date from intermediate.util_extract_date")
    assert str(extract_date.iloc[0, 0])[:10] == summary["extract_date"]


def test_clean_extract_amounts_survive_staging(clean, tmp_path_factory):
    build, summary = clean
    folder = Path(summary["config"]["out"])
    docs = pd.read_parquet(folder / "ar_documents.parquet")
    staged = build.query(
        "select count(*) as n, sum(amount_document) as total "
        "from intermediate.int_ar_documents_validated"
    )
    assert staged["n"][0] == len(docs)
    assert float(staged["total"][0]) == pytest.approx(docs["amount"].sum(), abs=0.01)


def test_messy_below_threshold_builds_with_warnings(messy):
    build, _ = messy
    assert build.returncode == 0, build.output[-3000:]
    assert "quarantined" in build.output and "rows of ar_documents for" in build.output
    accounting = build.query(ACCOUNTING)
    balanced = accounting["raw_rows"] == accounting[
        ["staged_rows", "collapsed_rows", "superseded_rows", "quarantined_rows"]
    ].sum(axis=1)
    assert balanced.all()
    assert (accounting["quarantined_share"] <= 0.01).all()


def test_every_defect_has_its_expected_outcome(messy):
    build, manifest = messy
    quarantined = build.query(
        "select table_name, record_key, reason_code from quarantine.quarantined_rows"
    )
    reasons = quarantined.groupby(["table_name", "record_key"])["reason_code"].agg(set).to_dict()
    expected_quarantine = manifest[manifest["expected_outcome"] == "quarantined"]
    for row in expected_quarantine.itertuples():
        assert reasons.get((row.table_name, row.record_key)) == {row.expected_reason}, row
    # Nothing is quarantined that the manifest does not expect.
    expected_keys = set(
        zip(expected_quarantine["table_name"], expected_quarantine["record_key"], strict=True)
    )
    assert set(reasons) == expected_keys
    # Suspicious, not invalid (contract v2): staged and flagged on the row.
    flagged = manifest[manifest["expected_outcome"] == "flagged"]
    assert set(flagged["defect"]) == {"due_before_document_date", "sent_before_document_date"}
    for flag, rows in flagged.groupby("defect"):
        documents = build.query(
            f"select document_id, is_{flag} from marts.fct_ar_documents"
        ).set_index("document_id")[f"is_{flag}"]
        assert documents[list(rows["record_key"])].all()
        counted = build.query(
            f"select flagged_rows from marts.rpt_row_flags where flag = '{flag}'"
        )["flagged_rows"][0]
        assert counted == documents.sum() >= len(rows)
    # Conflicting duplicates: both rows quarantined.
    conflicting = manifest[manifest["defect"] == "conflicting_duplicate"]["record_key"].unique()
    counts = quarantined[quarantined["table_name"] == "ar_documents"].groupby("record_key").size()
    assert all(counts[key] == 2 for key in conflicting)


def test_noise_is_normalised_collapsed_or_superseded(messy):
    build, manifest = messy
    docs = build.query(
        "select document_id, document_type, currency_code, due_date, delivery_channel "
        "from intermediate.int_ar_documents_validated"
    ).set_index("document_id")
    normalised = manifest[
        (manifest["table_name"] == "ar_documents") & (manifest["expected_outcome"] == "normalised")
    ]
    assert "upper_case_delivery_channel" in set(normalised["defect"])
    for row in normalised.itertuples():
        value = docs.loc[row.record_key, row.column_name]
        canonical = row.injected_value.strip()
        # Channels are lower case, document types and currencies upper.
        canonical = (
            canonical.lower() if row.column_name == "delivery_channel" else canonical.upper()
        )
        assert value == canonical, row
    base = build.query(
        "select record_key, row_status, due_date from staging.base_erp__ar_documents"
    )
    for row in manifest[manifest["defect"] == "newer_version"].itertuples():
        versions = base[base["record_key"] == row.record_key]
        assert sorted(versions["row_status"]) == ["staged", "superseded"]
        older = versions[versions["row_status"] == "superseded"]["due_date"].iloc[0]
        assert str(older)[:10] == row.injected_value  # the older version lost
        assert str(docs.loc[row.record_key, "due_date"])[:10] != row.injected_value
    for row in manifest[
        (manifest["defect"] == "repeated_export") & (manifest["table_name"] == "ar_documents")
    ].itertuples():
        assert sorted(base[base["record_key"] == row.record_key]["row_status"]) == [
            "collapsed",
            "staged",
        ]
    receipts = build.query(
        "select receipt_id, receipt_status from intermediate.int_cash_receipts_validated"
    )
    moved = manifest[manifest["defect"] == "cross_currency_receipt"]["record_key"]
    assert set(moved) <= set(receipts["receipt_id"])
    assert set(receipts["receipt_status"]) <= {"cleared", "reversed"}


def test_above_threshold_fails_naming_table_reason_and_key(rejected):
    assert rejected.returncode != 0
    assert "Extract rejected: quarantined share above quarantine_max_share" in rejected.output
    assert "table ar_documents:" in rejected.output
    assert "e.g. key D" in rejected.output and "mostly " in rejected.output


def test_worked_example_stages_exactly_its_csvs(worked, worked_example):
    assert worked.returncode == 0, worked.output[-3000:]
    accounting = worked.query(ACCOUNTING).set_index("table_name")
    for table in accounting.index:
        path = worked_example / f"{table}.csv"
        rows = len(pd.read_csv(path)) if path.exists() else 0
        assert accounting.loc[table, "raw_rows"] == rows, table
        assert accounting.loc[table, "staged_rows"] == rows, table
    for table, column, model in (
        ("ar_documents", "amount", "intermediate.int_ar_documents_validated"),
        ("cash_receipts", "amount", "intermediate.int_cash_receipts_validated"),
        ("cash_applications", "applied_amount", "intermediate.int_cash_applications_validated"),
        ("adjustments", "amount", "intermediate.int_adjustments_validated"),
    ):
        csv_total = pd.read_csv(worked_example / f"{table}.csv")[column].sum()
        column_name = {
            "ar_documents": "amount_document",
            "cash_receipts": "amount_receipt",
            "cash_applications": "applied_amount_document",
            "adjustments": "adjustment_amount_document",
        }[table]
        staged = worked.query(f"select sum({column_name}) as total from {model}")["total"][0]
        assert float(staged) == pytest.approx(csv_total, abs=0.001), table


def test_worked_example_rates_and_extract_date(worked):
    # EXPECTED.md: 500 EUR at the 2026-01-16 rate 1.1 (not the later 1.3).
    inv2 = worked.query(
        "select fx_rate_to_reporting, fx_quote_date from intermediate.int_ar_documents_validated "
        "where document_id = 'INV2'"
    )
    assert inv2["fx_rate_to_reporting"][0] == pytest.approx(1.1)
    assert str(inv2["fx_quote_date"][0])[:10] == "2026-01-16"
    extract_date = worked.query("select extract_date from intermediate.util_extract_date")
    assert str(extract_date.iloc[0, 0])[:10] == "2026-03-31"
