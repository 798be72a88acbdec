"""Incremental builds (issue 3, item 7): a database built on one extract, then
built again on the next day's export (receivables-next-day: new invoices, payments,
an FX rate, a receipt that bounced, a credit memo dated 40 days back) holds
exactly what a full build of the next day's export holds, while restating
only what the new rows touch."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pandas as pd
import pytest
from conftest import dbt_build, write_v2_ledger

from receivables_rpm.compare_builds import table_differences

pytestmark = pytest.mark.integration


def test_incremental_build_equals_full_build(next_day_builds):
    incremental, full, _ = next_day_builds
    assert incremental.returncode == 0, incremental.output[-3000:]
    assert full.returncode == 0, full.output[-3000:]
    assert table_differences(incremental.database, full.database) == {}


def test_only_the_new_rows_are_restated(next_day_builds):
    incremental, _, before = next_day_builds
    changed = incremental.query(
        "select table_name, change, count(*) as n from raw._changed_rows group by 1, 2"
    )
    counts = {(r.table_name, r.change): r.n for r in changed.itertuples()}
    # The bounced receipt is one row removed and its new version added.
    assert counts[("cash_receipts", "removed")] == 1
    assert counts[("cash_receipts", "added")] >= 2
    assert counts[("ar_documents", "added")] >= 2  # new invoices and the credit memo
    assert ("ar_documents", "removed") not in counts
    assert ("customers", "added") not in counts
    scope = incremental.query("select * from intermediate.int_restatement_scope")
    assert not scope.restates_everything[0]
    restated = incremental.query(
        "select count(*) as n from intermediate.int_restatement_keys where key_type = 'document'"
    ).n[0]
    documents = before.query("select count(*) as n from marts.fct_ar_documents").n[0]
    assert 0 < restated < documents / 10


def test_every_current_event_is_seen_once_after_an_incremental_build(next_day_builds):
    # The incremental run fingerprints the events of restated keys only; the
    # audit table must still hold the day before's events plus every event a
    # full build of the next day sees, and nothing else.
    incremental, full, before = next_day_builds
    query = "select event_fingerprint from audit.audit_ledger_event_first_seen"
    seen_before = set(before.query(query).event_fingerprint)
    seen_by_full = set(full.query(query).event_fingerprint)
    seen_now = list(incremental.query(query).event_fingerprint)
    assert len(seen_now) == len(set(seen_now))
    assert set(seen_now) == seen_before | seen_by_full
    assert seen_by_full - seen_before  # the next day brings new events


def test_back_dated_credit_memo_restates_its_month_end(next_day_builds):
    incremental, _, before = next_day_builds
    memo = incremental.query(
        "select reference_document_id, document_date, last_day(document_date) as month_end "
        "from marts.fct_ar_documents where document_id like 'NCM-%'"
    )
    assert len(memo) == 1
    invoice, month_end = memo.reference_document_id[0], memo.month_end[0].date()
    query = (
        "select open_amount_document from marts.fct_ar_aging_snapshots "
        f"where document_id = '{invoice}' and as_of_date = date '{month_end}'"
    )
    was, now = before.query(query).iloc[0, 0], incremental.query(query).iloc[0, 0]
    assert Decimal(str(now)) == Decimal(str(was)) - 10


def test_a_run_after_a_var_dated_run_restates_what_the_var_hid(root, v2_ledger_mid_march, tmp_path):
    """The v2 ledger built with the var extract_date 2026-03-15, then built
    again on the same extract without it: the rows dated after 03-15 were
    loaded by the first run but never staged as known, and no changed raw row
    names them, so the second run must restate everything by itself. It ends
    equal to a full build of the extract, table by table."""
    assert v2_ledger_mid_march.returncode == 0, v2_ledger_mid_march.output[-3000:]
    extract = v2_ledger_mid_march.database.parent.parent / "extract"
    (tmp_path / "incremental").mkdir()
    shutil.copy(v2_ledger_mid_march.database, tmp_path / "incremental" / "rpm.duckdb")
    incremental = dbt_build(root, extract, tmp_path / "incremental")
    full = dbt_build(root, extract, tmp_path / "full")
    assert incremental.returncode == 0, incremental.output[-3000:]
    assert full.returncode == 0, full.output[-3000:]
    scope = incremental.query("select * from intermediate.int_restatement_scope")
    assert scope.restates_everything[0] and scope.previous_extract_date.isna()[0]
    assert (
        incremental.query("select extract_date from intermediate.util_extract_date")
        .iloc[0, 0]
        .date()
        .isoformat()
        == "2026-03-31"
    )
    assert table_differences(incremental.database, full.database) == {}


def test_a_delivery_after_the_extract_date_is_restated_once_known(root, worked_example, tmp_path):
    """D86: INV7 (C3) reached its customer on 04-02, after the extract date
    03-31, so the first build does not know it yet. The next day's export
    adds only a receipt of another customer (C2, 04-03): no changed row
    names INV7 or C3, yet the incremental build must learn the delivery and
    end equal to a full build of that export."""
    day1 = tmp_path / "day1"
    write_v2_ledger(worked_example, day1)
    documents = pd.read_csv(day1 / "ar_documents.csv", dtype=str)
    documents["sent_date"] = documents.document_id.map({"INV7": "2026-04-02"})
    documents["delivery_channel"] = documents.document_id.map({"INV7": "paper"})
    documents.to_csv(day1 / "ar_documents.csv", index=False)
    first = dbt_build(root, day1, tmp_path / "incremental")
    assert first.returncode == 0, first.output[-3000:]
    sent = "select sent_date from marts.fct_ar_documents where document_id = 'INV7'"
    assert first.query(sent).sent_date.isna().all()
    day2 = tmp_path / "day2"
    shutil.copytree(day1, day2)
    with open(day2 / "cash_receipts.csv", "a") as f:
        f.write("R10,C2,US01,2026-04-03,USD,10,wire,cleared,\n")
    incremental = dbt_build(root, day2, tmp_path / "incremental")
    full = dbt_build(root, day2, tmp_path / "full")
    assert incremental.returncode == 0, incremental.output[-3000:]
    assert full.returncode == 0, full.output[-3000:]
    assert not incremental.query(
        "select * from intermediate.int_restatement_scope"
    ).restates_everything[0]
    assert str(incremental.query(sent).sent_date[0].date()) == "2026-04-02"
    assert table_differences(incremental.database, full.database) == {}
