"""Great Expectations validates an extract against the contract and writes a
report; a folder that cannot be built gets a readable verdict, exit 1."""

from __future__ import annotations

import json
import shutil

import pytest
from generated import make_extract

from receivables_rpm import validation


@pytest.fixture(scope="module")
def messy_extract(tmp_path_factory):
    out = tmp_path_factory.mktemp("gx") / "messy"
    make_extract(out, customers=60, months=12, messy=0.01)
    return out


def test_clean_extract_passes(small_extract, root):
    folder, _ = small_extract
    summaries, results = validation.validate_extract(folder, root)
    assert results and all(r.success for r in results)
    assert {s.table for s in summaries} >= {"ar_documents", "customers"}


def test_messy_extract_reports_failures_with_examples(messy_extract, root, tmp_path):
    summaries, results = validation.validate_extract(messy_extract, root)
    failed = {(r.table, r.check, r.column): r for r in results if not r.success}
    unknown = failed[("ar_documents", "code in document_type", "document_type")]
    assert unknown.unexpected >= 1 and "INX" in unknown.examples
    assert ("ar_documents", "parseable date", "document_date") in failed
    # Lower-case or padded codes are normalised by staging: not reported.
    assert ("cash_receipts", "code in receipt_status", "status") not in failed
    assert not any(r.structural for r in failed.values())
    validation.write_report(tmp_path / "report", messy_extract, summaries, results)
    report = (tmp_path / "report.md").read_text()
    assert "buildable" in report and "INX" in report
    assert json.loads((tmp_path / "report.json").read_text())["checks"]


def test_missing_required_table_cannot_build(small_extract, tmp_path, root, capsys):
    folder, _ = small_extract
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "cash_receipts.csv").unlink()
    status = validation.main(["--extract", str(broken), "--out", str(tmp_path / "r")])
    assert status == 1
    assert "CANNOT BUILD: cash_receipts" in capsys.readouterr().out
    assert (
        "CANNOT BUILD: cash_receipts file present"
        in (tmp_path / "r" / "extract_validation.md").read_text()
    )


def test_large_tables_are_validated_on_a_documented_sample(small_extract, root):
    folder, summary = small_extract
    summaries, _ = validation.validate_extract(folder, root, max_rows=100)
    docs = next(s for s in summaries if s.table == "ar_documents")
    assert docs.sampled and docs.rows_validated == 100
    assert docs.rows_in_file == summary["rows"]["ar_documents"]


def test_unreadable_or_doubled_table_files_cannot_build(small_extract, tmp_path, capsys):
    """A table file that cannot be read, or a table given as both CSV and
    Parquet (which the loader refuses), is a verdict, not a traceback."""
    folder, _ = small_extract
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    (broken / "customers.csv").write_text("")  # no header at all
    (broken / "adjustments.csv").write_text('adjustment_id,amount\n"A1,5\n')  # open quote
    (broken / "disputes.parquet").write_bytes(b"not parquet")
    (broken / "disputes.csv").unlink(missing_ok=True)
    shutil.copy(broken / "cash_receipts.csv", broken / "cash_receipts.parquet")
    status = validation.main(["--extract", str(broken), "--out", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert status == 1
    assert "CANNOT BUILD: customers: file readable: EmptyDataError: No columns" in out
    assert "CANNOT BUILD: adjustments: file readable: ParserError" in out
    assert "CANNOT BUILD: disputes: file readable: ArrowInvalid" in out
    assert (
        "CANNOT BUILD: cash_receipts: one file, CSV or Parquet: "
        "cash_receipts.csv, cash_receipts.parquet" in out
    )
