"""Ledger core on real builds: the worked example comes out as EXPECTED.md
says; aging snapshots equal an independent pandas re-computation; the GL
reconciliation finds exactly the planted differences; a payment dated after
a month end never changes that month end, a back-dated one restates it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from reference_ledger import ReferenceLedger

pytestmark = pytest.mark.integration


def aging(build, as_of: str) -> dict[str, float]:
    rows = build.query(
        "select document_id, open_amount_document from marts.fct_ar_aging_snapshots "
        f"where as_of_date = date '{as_of}'"
    )
    return {r.document_id: float(r.open_amount_document) for r in rows.itertuples()}


def test_worked_example_month_ends_as_expected(worked):
    assert worked.returncode == 0, worked.output[-3000:]
    rollforward = worked.query(
        "select strftime(period_end_date, '%Y-%m-%d') as month_end, ar_begin_reporting, "
        "credit_sales_reporting, write_offs_reporting, ar_end_reporting "
        "from marts.rpt_ar_rollforward_monthly order by 1"
    )
    # EXPECTED.md: ar_begin, credit_sales, write_offs, ar_end per month.
    expected = [
        ("2026-01-31", 0, 1550, 0, 1550),
        ("2026-02-28", 1550, 1000, 0, 1650),
        ("2026-03-31", 1650, 0, 200, 1450),
    ]
    got = [tuple(r) for r in rollforward.itertuples(index=False)]
    assert [g[0] for g in got] == [e[0] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g[1:] == e[1:]  # exact money: hand-computed values, to the micro-unit
    buckets = worked.query(
        "select strftime(as_of_date, '%Y-%m-%d') as as_of, aging_bucket, "
        "sum(open_amount_reporting) as amount from marts.fct_ar_aging_snapshots group by 1, 2"
    )
    by_bucket = {(r.as_of, r.aging_bucket): r.amount for r in buckets.itertuples()}
    # current_ar_end 1550 / 1450 / 0; 1-30 0 / 200 / 1450.
    assert by_bucket[("2026-01-31", "current")] == 1550
    assert by_bucket[("2026-02-28", "current")] == 1450
    assert by_bucket[("2026-02-28", "1-30")] == 200
    assert ("2026-03-31", "current") not in by_bucket
    assert by_bucket[("2026-03-31", "1-30")] == 1450


def test_worked_example_aging_by_document(worked):
    rows = worked.query(
        "select strftime(as_of_date, '%Y-%m-%d') as as_of, document_id, days_past_due, "
        "aging_bucket, open_amount_reporting from marts.fct_ar_aging_snapshots "
        "where as_of_date >= date '2026-02-28' order by 1, 2"
    )
    assert [tuple(r) for r in rows.itertuples(index=False)] == [
        ("2026-02-28", "INV1", 19, "1-30", 200.0),
        ("2026-02-28", "INV2", -21, "current", 550.0),
        ("2026-02-28", "INV3", -7, "current", 900.0),
        ("2026-03-31", "INV2", 10, "1-30", 550.0),
        ("2026-03-31", "INV3", 24, "1-30", 900.0),
    ]
    # Unapplied credits and cash are 0 at every month end: net AR = AR.
    assert (
        worked.query("select count(*) as n from marts.fct_unapplied_balance_snapshots")["n"][0] == 0
    )


def test_worked_example_aging_schemes_document_age_and_their_cross(worked):
    """Spec v2 bucket schemes, by hand at 2026-02-28 (D80), summed over
    companies and currencies. Days past due: INV1 200 (due 02-09: 19 days,
    1-30), INV2 550 (EUR) and INV3 900 not yet due (current). Document age:
    INV1 49 days (issued 01-10: 31-60), INV2 39 (01-20: 31-60), INV3 23
    (02-05: 1-30). At 03-31: INV2 550 and INV3 900 are 10 and 24 days past
    due (1-30), 70 and 54 days old."""
    rows = worked.query(
        "select strftime(as_of_date, '%Y-%m-%d') as as_of, aging_basis, scheme, aging_bucket, "
        "cast(sum(open_amount_reporting) as varchar) as amount, "
        "cast(sum(open_item_count) as integer) as open_item_count "
        "from marts.rpt_ar_aging_by_scheme group by all"
    )
    got = {
        (r.as_of, r.aging_basis, r.scheme, r.aging_bucket): (r.amount, r.open_item_count)
        for r in rows.itertuples()
    }

    def cells(as_of, basis, scheme):
        return {
            bucket: (Decimal(amount), count)
            for (day, b, s, bucket), (amount, count) in got.items()
            if (day, b, s) == (as_of, basis, scheme)
        }

    february = "2026-02-28"
    for scheme in ("standard", "30-60-90", "extended-720"):
        assert cells(february, "days_past_due", scheme) == {
            "current": (Decimal(1450), 2),
            "1-30": (Decimal(200), 1),
        }, scheme
        assert cells(february, "document_age", scheme) == {
            "1-30": (Decimal(900), 1),
            "31-60": (Decimal(750), 2),
        }, scheme
    assert cells("2026-03-31", "document_age", "standard") == {
        "31-60": (Decimal(900), 1),
        "61-90": (Decimal(550), 1),
    }
    assert cells("2026-03-31", "days_past_due", "30-60-90") == {"1-30": (Decimal(1450), 2)}
    cross = worked.query(
        "select age_bucket, past_due_bucket, cast(sum(open_amount_reporting) as varchar) as amount "
        "from marts.rpt_ar_aging_age_by_past_due where as_of_date = date '2026-02-28' "
        "group by all"
    )
    assert {(r.age_bucket, r.past_due_bucket): Decimal(r.amount) for r in cross.itertuples()} == {
        ("31-60", "1-30"): Decimal(200),
        ("31-60", "current"): Decimal(550),
        ("1-30", "current"): Decimal(900),
    }


def test_worked_example_document_facts(worked):
    docs = worked.query("select * from marts.fct_ar_documents").set_index("document_id")
    inv1 = docs.loc["INV1"]
    assert str(inv1["settlement_date"])[:10] == "2026-03-31"  # closed by the write-off
    assert (inv1["days_to_pay"], inv1["days_late"]) == (80, 50)
    assert (
        float(inv1["cash_applied_document"]) == 800 and float(inv1["written_off_document"]) == 200
    )
    assert float(docs.loc["INV3", "open_amount_document"]) == 900
    assert float(docs.loc["INV3", "credit_memo_applied_document"]) == 100
    assert docs.loc["INV2", "amount_reporting"] == 550
    assert float(docs.loc["CM1", "open_amount_document"]) == 0
    assert float(docs.loc["CM1", "credit_applied_document"]) == 100


def test_gl_reconciliation_finds_the_planted_items_and_nothing_else(clean):
    build, summary = clean
    planted = pd.read_csv(Path(summary["config"]["out"]) / "_manifest" / "gl_reconciling_items.csv")
    found = build.query(
        "select company_code, strftime(period_end_date, '%Y-%m-%d') as period_end_date, "
        "difference_reporting from marts.rpt_gl_reconciliation_monthly "
        "where reconciliation_status = 'difference' order by 1, 2"
    )
    assert list(zip(found["company_code"], found["period_end_date"], strict=True)) == list(
        zip(planted["company_code"], planted["period_end_date"], strict=True)
    )
    assert found["difference_reporting"].to_numpy() == pytest.approx(
        planted["difference"].to_numpy(), abs=0.01
    )
    statuses = set(
        build.query("select reconciliation_status from marts.rpt_gl_reconciliation_monthly")[
            "reconciliation_status"
        ]
    )
    assert statuses == {"reconciled", "difference"}


def test_aging_snapshots_equal_an_independent_recomputation(clean):
    build, summary = clean
    ledger = ReferenceLedger(Path(summary["config"]["out"]))
    as_of_dates = build.query(
        "select strftime(as_of_date, '%Y-%m-%d') as d from intermediate.int_as_of_dates order by 1"
    )["d"].tolist()
    for as_of in (as_of_dates[3], as_of_dates[len(as_of_dates) // 2], as_of_dates[-1]):
        expected = ledger.open_items(as_of).set_index("document_id")
        got = build.query(
            "select document_id, open_amount_document, open_amount_reporting, days_past_due "
            f"from marts.fct_ar_aging_snapshots where as_of_date = date '{as_of}'"
        ).set_index("document_id")
        assert set(got.index) == set(expected.index), as_of
        got = got.loc[expected.index]
        assert got["open_amount_document"].astype(float).to_numpy() == pytest.approx(
            expected["balance"].to_numpy(), abs=0.005
        )
        assert got["open_amount_reporting"].to_numpy() == pytest.approx(
            expected["balance_reporting"].to_numpy(), abs=0.01
        )
        assert (got["days_past_due"].to_numpy() == expected["days_past_due"].to_numpy()).all()


def test_later_payment_keeps_a_month_end_and_a_back_dated_one_restates_it(worked, restated):
    assert restated.returncode == 0, restated.output[-3000:]
    before = {d: aging(worked, d) for d in ("2026-01-31", "2026-02-28", "2026-03-31")}
    after = {d: aging(restated, d) for d in ("2026-01-31", "2026-02-28", "2026-03-31")}
    # The payment of 2026-03-05 on INV3 changes March only.
    assert before["2026-02-28"]["INV3"] == after["2026-02-28"]["INV3"] == 900
    assert (before["2026-03-31"]["INV3"], after["2026-03-31"]["INV3"]) == (900, 600)
    # The credit memo dated 2026-01-25 arrived late: January is restated.
    for month_end in before:
        assert (before[month_end]["INV2"], after[month_end]["INV2"]) == (500, 450)
    # INV1 is untouched at every month end.
    assert all(before[d].get("INV1") == after[d].get("INV1") for d in before)
    # The cash forecast made at the February month end used only what was
    # known then: the March payment does not move INV3's expected date.
    forecast = (
        "select document_id, expected_collection_date, expected_date_basis "
        "from intermediate.int_cash_forecast_documents "
        "where as_of_date = date '2026-02-28' and document_id = 'INV3'"
    )
    assert restated.query(forecast).equals(worked.query(forecast))
    assert len(worked.query(forecast)) == 1
    # Reversed column order and an unknown column changed nothing else.
    accounting = restated.query(
        "select raw_rows, staged_rows from quarantine.extract_row_accounting "
        "where table_name = 'ar_documents'"
    )
    assert tuple(accounting.iloc[0]) == (5, 5)
