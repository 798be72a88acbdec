"""--messy injects every reason code of the contract plus the noise that must
be normalised, collapsed or superseded, and records each defect where it is."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from generated import make_extract


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy") / "extract"
    summary = make_extract(out, messy=0.004)
    manifest = pd.read_csv(out / "_manifest" / "defects.csv", dtype=str)
    return out, summary, manifest


def test_every_reason_code_is_injected(root, messy):
    _, _, manifest = messy
    with open(root / "seeds" / "quarantine_reasons.csv", newline="") as f:
        reasons = {row["reason_code"] for row in csv.DictReader(f)}
    assert reasons <= set(manifest["expected_reason"].dropna())
    assert {"normalised", "collapsed", "superseded", "quarantined"} <= set(
        manifest["expected_outcome"]
    )


def test_injected_values_are_in_the_files(messy):
    out, _, manifest = messy
    docs = pd.read_csv(out / "ar_documents.csv", dtype=str, keep_default_na=False)
    for row in manifest[
        (manifest["table_name"] == "ar_documents") & manifest["injected_value"].notna()
    ].itertuples():
        values = set(docs.loc[docs["document_id"] == row.record_key, row.column_name])
        assert row.injected_value in values, row


def test_duplicates_and_versions_add_rows(messy):
    out, summary, manifest = messy
    docs = pd.read_csv(out / "ar_documents.csv", dtype=str)
    per_key = docs.groupby("document_id").size()
    repeated = manifest[
        (manifest["table_name"] == "ar_documents") & (manifest["expected_outcome"] != "quarantined")
    ]
    for row in repeated[repeated["defect"].isin(["repeated_export", "newer_version"])].itertuples():
        assert per_key[row.record_key] == 2, row
    conflicting = manifest[manifest["defect"] == "conflicting_duplicate"]["record_key"].unique()
    assert all(per_key[key] == 2 for key in conflicting)


def test_injection_rate_bounds_each_table_share(messy):
    """Defects a table's own rows carry stay within the rate (plus the forced
    first ones that make every reason appear), cascades aside."""
    out, summary, manifest = messy
    own = manifest[
        (manifest["expected_outcome"] == "quarantined")
        & (manifest["defect"] != "parent_quarantined")
    ]
    for table, rows in summary["rows"].items():
        if table in ("ar_documents", "cash_receipts", "cash_applications", "customer_feedback"):
            continue  # the forced ones
        assert (own["table_name"] == table).sum() <= rows * 0.004 + 1, table
