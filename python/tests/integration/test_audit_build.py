"""The audit trail across two runs into one database (fixture `audited`):
close history keeps what was first reported, the restatement report shows
what a back-dated credit memo changed and names it as the cause, the extract
snapshots keep changed and deleted records, and the run evidence records
every file's MD5."""

from __future__ import annotations

import hashlib

import pytest

pytestmark = pytest.mark.integration


def test_restatement_shows_first_reported_current_and_cause(audited):
    reported, build, _ = audited
    assert build.returncode == 0, build.output[-3000:]
    restated = build.query(
        "select kpi_value_id, kpi_name, period_start_date, segment_type, first_reported_value, "
        "current_value, difference from marts.rpt_kpi_restatements"
    ).set_index("kpi_value_id")
    # January's AR at its end fell by CM2's 50 EUR at the document rate.
    january = restated[
        (restated["period_start_date"].astype(str) == "2026-01-31")
        | (restated["period_start_date"].astype(str) == "2026-01-01")
    ]
    assert not january.empty, restated.to_string()
    first = reported.set_index("kpi_value_id")["kpi_value"]
    for kpi_value_id, row in restated.iterrows():
        assert row["first_reported_value"] == pytest.approx(first[kpi_value_id], nan_ok=True)
        if row["first_reported_value"] == row["first_reported_value"]:  # not NaN
            assert row["difference"] == pytest.approx(
                row["current_value"] - row["first_reported_value"]
            )
    # Only closed periods are restated: January and February close at the
    # extract date 2026-03-31; March does not, so the March payment restates
    # nothing.
    assert set(restated["period_start_date"].astype(str)) <= {"2026-01-01", "2026-02-01"}
    causes = build.query(
        "select kpi_value_id, document_id, source_id, event_type, event_date "
        "from marts.rpt_kpi_restatement_causes"
    )
    ledger_january = causes[causes["kpi_value_id"].isin(january.index)]
    # The causes: credit memo CM2 issued on 2026-01-25 and applied to INV2
    # the same day (application A4): INV2's balance fell, CM2's unapplied
    # credit appeared and was used.
    assert set(ledger_january["document_id"]) == {"INV2", "CM2"}
    assert set(ledger_january["source_id"]) == {"A4", "CM2"}
    assert not ({"INV1", "R2", "A3"} & set(ledger_january["source_id"]))
    assert (ledger_january["event_date"].astype(str) <= "2026-01-31").all()


def test_close_history_is_append_only_and_records_only_changes(audited):
    reported, build, _ = audited
    history = build.query(
        "select run_id, kpi_value_id, kpi_value from audit.audit_kpi_close_history"
    )
    runs = history.groupby("run_id").size().sort_values(ascending=False)
    assert len(runs) == 2
    # The first run recorded every closed value; the second only those that
    # changed and those new since (C1 moved to region DACH: its rows are new).
    assert runs.iloc[0] == len(reported)
    restated = build.query("select count(*) as n from marts.rpt_kpi_restatements")["n"][0]
    closed_now = set(
        build.query("select kpi_value_id from marts.rpt_kpi_values where is_closed")["kpi_value_id"]
    )
    new = closed_now - set(reported["kpi_value_id"])
    assert any("|region|DACH|" in kpi_value_id for kpi_value_id in new)
    assert runs.iloc[1] == restated + len(new)
    assert restated > 0


def test_snapshots_keep_changed_and_deleted_records(audited):
    _, build, _ = audited
    inv3 = build.query(
        "select due_date, dbt_valid_to is null as is_current from audit.snap_ar_documents "
        "where document_id = 'INV3' order by dbt_valid_from"
    )
    assert [str(d)[:10] for d in inv3["due_date"]] == ["2026-03-07", "2026-03-14"]
    assert inv3["is_current"].tolist() == [False, True]
    dispute = build.query(
        "select dbt_is_deleted from audit.snap_disputes where dispute_id = 'DP1' "
        "order by dbt_valid_from"
    )
    assert dispute["dbt_is_deleted"].astype(str).tolist() == ["False", "True"]
    regions = build.query(
        "select region from audit.snap_customers where customer_id = 'C1' order by dbt_valid_from"
    )
    assert regions["region"].tolist() == ["EMEA", "DACH"]


def test_run_evidence_records_each_file_md5_and_row_fates(audited):
    _, build, (first, second) = audited
    evidence = build.query(
        "select run_started_at, table_name, file_md5, raw_rows, staged_rows, quarantined_rows "
        "from audit.audit_run_evidence where file_md5 is not null order by run_started_at"
    )
    runs = sorted(evidence["run_started_at"].unique())
    assert len(runs) == 2
    for run, folder in zip(runs, (first, second), strict=True):
        files = evidence[evidence["run_started_at"] == run].set_index("table_name")
        for table, row in files.iterrows():
            expected = hashlib.md5((folder / f"{table}.csv").read_bytes()).hexdigest()
            assert row["file_md5"] == expected, table
    latest = evidence[evidence["run_started_at"] == runs[1]].set_index("table_name")
    assert latest.loc["ar_documents", "raw_rows"] == latest.loc["ar_documents", "staged_rows"] == 5
    assert "disputes" not in latest.index
