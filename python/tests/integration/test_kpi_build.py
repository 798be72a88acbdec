"""KPI marts on real builds: the worked example's month and quarter figures
as EXPECTED.md states them; the whole ledger and an industry segment equal
an independent pandas re-computation; the MetricFlow metrics return the
marts' values; every mart column is documented (dbt docs generate)."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from reference_ledger import ReferenceLedger

from receivables_rpm.architecture import document_with_map
from receivables_rpm.project_check import check, is_public_mart

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent

# docs/spec/worked_example/EXPECTED.md, whole ledger, by hand.
WORKED_MONTHS = {
    # month: ar_begin, ar_end, current_ar_end, 1-30, credit_sales,
    #        net_credit_sales, write_offs, DSO, best DSO, ADD, CEI, countback, turnover
    "2026-01-01": (0, 1550, 1550, 0, 1550, 1550, 0, 31.0, 31.0, 0.0, None, 31.0, 2.0),
    "2026-02-01": (1550, 1650, 1450, 200, 1000, 900, 0, 46.2, 40.6, 5.6, 81.82, 41.0, 0.5625),
    "2026-03-01": (1650, 1450, 0, 1450, 0, 0, 200, None, None, None, 12.12, 68.0, 0.0),
}
WORKED_BAD_DEBT = {"2026-01-01": 0.0, "2026-02-01": 0.0, "2026-03-01": None}
WORKED_COLUMNS = [
    "ar_begin",
    "ar_end",
    "current_ar_end",
    "bucket_2_ar_end",
    "credit_sales",
    "net_credit_sales",
    "write_offs",
    "dso_days",
    "best_possible_dso_days",
    "add_days",
    "cei_pct",
    "countback_dso_days",
    "ar_turnover",
]


def rounded_like(expected, got):
    """EXPECTED.md prints 1 decimal for days, 2 for CEI and percentages."""
    if expected is None:
        return got is None or pd.isna(got)
    decimals = len(str(expected).split(".")[1]) if "." in str(expected) else 2
    return round(float(got), decimals) == pytest.approx(expected, abs=10 ** (-decimals) / 2)


def ledger_rows(build, table: str) -> pd.DataFrame:
    return build.query(
        f"select *, strftime(period_start_date, '%Y-%m-%d') as period from marts.{table} "
        "where segment_type = 'ledger' order by period_start_date"
    ).set_index("period")


def test_worked_example_months_as_expected(worked):
    assert worked.returncode == 0, worked.output[-3000:]
    months = ledger_rows(worked, "rpt_kpis_monthly")
    assert list(months.index) == list(WORKED_MONTHS)
    for month, expected in WORKED_MONTHS.items():
        row = months.loc[month]
        for column, value in zip(WORKED_COLUMNS, expected, strict=True):
            assert rounded_like(value, row[column]), (month, column, row[column], value)
        bad_debt = row["bad_debt_ratio_pct"]
        assert rounded_like(WORKED_BAD_DEBT[month], None if pd.isna(bad_debt) else bad_debt)
    assert months["days_in_period"].tolist() == [31, 28, 31]
    # Extract date 2026-03-31: nothing partial, March not closed yet (5-day lag).
    assert not months["is_partial_period"].any()
    assert months["is_closed"].tolist() == [True, True, False]


def test_worked_example_quarter_as_expected(worked):
    quarter = ledger_rows(worked, "rpt_kpis_quarterly").loc["2026-01-01"]
    # Q1 (90 days): ar_begin 0, ar_end 1450, current 0, sales 2550, net 2450,
    # DSO 51.18, best 0, ADD 51.18, CEI 43.14, turnover 3.379, bad debt 8.16 %,
    # countback 68.0.
    assert quarter["days_in_period"] == 90
    expected = {
        "ar_begin": 0,
        "ar_end": 1450,
        "current_ar_end": 0,
        "credit_sales": 2550,
        "net_credit_sales": 2450,
        "dso_days": 51.18,
        "best_possible_dso_days": 0.0,
        "add_days": 51.18,
        "cei_pct": 43.14,
        "ar_turnover": 3.379,
        "bad_debt_ratio_pct": 8.16,
        "countback_dso_days": 68.0,
    }
    for column, value in expected.items():
        assert rounded_like(value, quarter[column]), (column, quarter[column], value)


# EXPECTED.md, v2 figures: the settlement mix (cash, credit memos, discounts,
# net write-offs, other) and cash-only CEI, whole ledger.
WORKED_V2_MIX = {
    ("month", "2026-01-01"): ((0, 0, 0, 0, 0), None),
    ("month", "2026-02-01"): ((800, 100, 0, 0, 0), 72.73),
    ("month", "2026-03-01"): ((0, 0, 0, 200, 0), 0.00),
    ("quarter", "2026-01-01"): ((800, 100, 0, 200, 0), 31.37),
}
MIX_COLUMNS = [
    "settled_cash",
    "settled_credit_memos",
    "settled_discounts",
    "net_write_offs",
    "settled_other",
]


def test_worked_example_v2_figures(worked):
    tables = {"month": "rpt_kpis_monthly", "quarter": "rpt_kpis_quarterly"}
    for (grain, start), (mix, cash_only_cei) in WORKED_V2_MIX.items():
        row = worked.query(
            "select "
            + ", ".join(f"cast({c} as varchar) as {c}" for c in MIX_COLUMNS)
            + ", cast(ar_begin + credit_sales - ar_end as varchar) as cei_numerator"
            + ", cash_only_cei_pct, cast(credit_balances_end as varchar) as credit_balances"
            + f" from marts.{tables[grain]} where segment_type = 'ledger'"
            + f" and period_start_date = date '{start}'"
        ).iloc[0]
        assert [Decimal(row[c]) for c in MIX_COLUMNS] == [Decimal(v) for v in mix], (grain, start)
        assert Decimal(row["cei_numerator"]) == sum(Decimal(v) for v in mix)
        assert Decimal(row["credit_balances"]) == 0
        got = row["cash_only_cei_pct"]
        assert rounded_like(cash_only_cei, None if pd.isna(got) else got), (grain, start, got)
    # Days beyond terms: NULL in every period (INV1 reached zero through a
    # write-off; no other document reached zero).
    for table in tables.values():
        paid = worked.query(
            "select paid_document_count, days_beyond_terms_days, within_terms_share_pct, "
            f"days_to_pay_days from marts.{table} where segment_type = 'ledger'"
        )
        assert (paid["paid_document_count"] == 0).all()
        assert paid.drop(columns="paid_document_count").isna().all().all()
    # Forecast error in days (D83): no document was paid, so NULL with the
    # reason in every period.
    for table in tables.values():
        errors = worked.query(
            "select forecast_error_document_count, unforecast_paid_document_count, "
            "forecast_error_days, due_baseline_error_days, dbt_baseline_error_days, "
            f"forecast_error_null_reason from marts.{table} where segment_type = 'ledger'"
        )
        assert (errors["forecast_error_document_count"] == 0).all()
        assert (errors["unforecast_paid_document_count"] == 0).all()
        assert (
            errors[["forecast_error_days", "due_baseline_error_days", "dbt_baseline_error_days"]]
            .isna()
            .all()
            .all()
        )
        assert (errors["forecast_error_null_reason"] == "none paid").all()
    assert worked.query("select count(*) as n from marts.rpt_cash_forecast_errors")["n"][0] == 0
    # Invoice delivery and the cash conversion cycle (EXPECTED.md v2): the
    # extract has no sent_date column and no working_capital table, so NULL
    # with the reason in every period, for the ledger and company US01; every
    # document is in the '(none)' channel.
    for table in tables.values():
        delivery = worked.query(
            "select segment_type, delivered_document_count, invoice_delivery_median_days, "
            "electronic_delivery_share_count_pct, electronic_delivery_share_amount_pct, "
            "invoice_delivery_null_reason, dio_days, dpo_days, cash_conversion_cycle_days, "
            "cash_conversion_cycle_null_reason, working_capital_null_reason "
            f"from marts.{table} where segment_type in ('ledger', 'company', 'industry')"
        )
        assert (delivery["delivered_document_count"] == 0).all()
        assert (
            delivery[
                [
                    "invoice_delivery_median_days",
                    "electronic_delivery_share_count_pct",
                    "electronic_delivery_share_amount_pct",
                    "dio_days",
                    "dpo_days",
                    "cash_conversion_cycle_days",
                ]
            ]
            .isna()
            .all()
            .all()
        )
        assert (delivery["invoice_delivery_null_reason"] == "the extract has no sent_date").all()
        by_type = delivery.groupby("segment_type")["cash_conversion_cycle_null_reason"].agg(set)
        assert by_type.to_dict() == {
            "ledger": {"the extract has no working_capital"},
            "company": {"the extract has no working_capital"},
            "industry": {"per company and for the ledger only"},
        }
    channels = worked.query(
        "select delivery_channel, issued_document_count from marts.rpt_invoice_delivery_channels "
        "where segment_type = 'ledger' and period_grain = 'quarter'"
    )
    assert channels.to_dict("records") == [
        {"delivery_channel": "(none)", "issued_document_count": 3}
    ]
    # Billing-cohort at-risk rate: NULL for January to March (month m+3 ends
    # after the extract date 2026-03-31); quarters are monthly only.
    months = worked.query(
        "select cohort_amount, cohort_at_risk_rate_pct, cohort_at_risk_null_reason "
        "from marts.rpt_kpis_monthly where segment_type = 'ledger' order by period_start_date"
    )
    assert months["cohort_amount"].tolist() == [1550, 1000, 0]
    assert months["cohort_at_risk_rate_pct"].isna().all()
    assert months["cohort_at_risk_null_reason"].tolist() == ["month m+3 not closed"] * 3
    quarter = worked.query(
        "select cohort_at_risk_null_reason from marts.rpt_kpis_quarterly "
        "where segment_type = 'ledger'"
    )
    assert quarter["cohort_at_risk_null_reason"].tolist() == ["monthly only"]
    # Closing-rate view: EUR's latest quote (2026-01-21) is more than 7 days
    # old at every month end, so EUR and the totals are NULL with the
    # reason; USD at the closing rate equals its historical AR.
    no_eur = "no usable EUR rate at the period end"
    by_currency = worked.query(
        "select cast(as_of_date as varchar) as as_of_date, currency_code, "
        "cast(ar_historical_reporting as varchar) as historical, "
        "cast(ar_closing_reporting as varchar) as closing, closing_rate_null_reason "
        "from marts.rpt_ar_closing_rate_balances order by 1, 2"
    )
    assert [
        (
            r.as_of_date,
            r.currency_code,
            None if pd.isna(r.closing) else Decimal(r.closing),
            r.closing_rate_null_reason if isinstance(r.closing_rate_null_reason, str) else None,
        )
        for r in by_currency.itertuples()
    ] == [
        ("2026-01-31", "EUR", None, no_eur),
        ("2026-01-31", "USD", Decimal("1000"), None),
        ("2026-02-28", "EUR", None, no_eur),
        ("2026-02-28", "USD", Decimal("1100"), None),
        ("2026-03-31", "EUR", None, no_eur),
        ("2026-03-31", "USD", Decimal("900"), None),
    ]
    # The USD documents need no rate: at the closing rate they are their
    # historical AR, an unrealised FX difference of 0.
    usd = by_currency[by_currency.currency_code == "USD"]
    assert [Decimal(v) for v in usd.historical] == [Decimal(v) for v in usd.closing]
    totals = worked.query(
        "select ar_closing_reporting, net_ar_closing_reporting, ar_closing_null_reason, "
        "net_ar_closing_null_reason from marts.rpt_ar_closing_rate_totals"
    )
    assert len(totals) == 6  # three month ends, ledger and company US01
    assert totals[["ar_closing_reporting", "net_ar_closing_reporting"]].isna().all().all()
    assert (totals["ar_closing_null_reason"] == no_eur).all()
    assert (totals["net_ar_closing_null_reason"] == no_eur).all()
    # Credit-limit use: C1, the only customer with a limit, owes EUR without
    # a usable closing quote: left out at every month end, so the share and
    # the count of accounts over are NULL with the reason (D86).
    limits = worked.query(
        "select over_limit_ar_share_pct, over_limit_account_count, "
        "limit_left_out_account_count, over_limit_null_reason from marts.rpt_kpis_monthly "
        "where segment_type = 'ledger' order by period_start_date"
    )
    assert len(limits) == 3
    assert limits[["over_limit_ar_share_pct", "over_limit_account_count"]].isna().all().all()
    assert (limits["limit_left_out_account_count"] == 1).all()
    assert (limits["over_limit_null_reason"] == "no customer with a usable limit and AR").all()
    c1 = worked.query(
        "select credit_limit_null_reason from marts.rpt_customer_credit_limit_use "
        "where customer_id = 'C1' and is_month_end order by as_of_date"
    )
    assert c1["credit_limit_null_reason"].tolist() == [no_eur] * 3
    gl = worked.query(
        "select gl_view, closing_rate_status, closing_rate_null_reason, reconciliation_status "
        "from marts.rpt_gl_reconciliation_monthly"
    )
    assert (gl["gl_view"] == "historical").all()
    assert (gl["closing_rate_null_reason"] == no_eur).all()
    # The worked example has no GL balances: no_gl_balance in both views.
    assert (gl["closing_rate_status"] == "no_gl_balance").all()
    assert (gl["reconciliation_status"] == "no_gl_balance").all()


def test_worked_example_benchmark_statuses(worked):
    months = ledger_rows(worked, "rpt_kpis_monthly")
    february = months.loc["2026-02-01"]
    # DSO 46.2 in 30-65: good; CEI 81.82: watch; past 60 0 %: good; bad debt 0: good;
    # ADD 5.6: good -> one benchmark missed, not systemic. One customer: too small.
    assert february["dso_days_status"] == "good"
    assert february["cei_pct_status"] == "watch"
    assert february["pct_past_60_status"] == "good"
    assert february["bad_debt_ratio_pct_status"] == "good"
    assert february["add_days_status"] == "good"
    assert february["benchmarks_missed"] == 1
    assert not february["is_systemic"]
    assert february["is_too_small_for_formal_kpis"]
    # A single customer holds all AR: largest share 100 %, HHI 10,000.
    assert february["largest_customer_share_pct"] == pytest.approx(100)
    assert february["hhi"] == pytest.approx(10000)
    assert february["has_single_customer_dependency"]
    quarter = ledger_rows(worked, "rpt_kpis_quarterly").loc["2026-01-01"]
    # Q1: CEI 43.14 poor, ADD 51.18 watch, bad debt 8.16 % watch, past 60 0 good,
    # DSO 51.18 good -> 3 missed: systemic.
    assert quarter["benchmarks_missed"] == 3
    assert quarter["is_systemic"]


def test_kpis_equal_an_independent_recomputation(clean):
    build, summary = clean
    assert build.returncode == 0, build.output[-3000:]
    extract = Path(summary["config"]["out"])
    reference = ReferenceLedger(extract)
    months = build.query(
        "select strftime(period_end_date, '%Y-%m-%d') as period_end, * exclude (period_end_date) "
        "from marts.rpt_kpis_monthly where segment_type = 'ledger' order by period_start_date"
    ).set_index("period_end")
    expected = reference.monthly_kpis(list(months.index)).set_index("period_end")
    pairs = [
        ("ar_begin", "ar_begin"),
        ("ar_end", "ar_end"),
        ("current_ar_end", "current_ar_end"),
        ("credit_sales", "credit_sales"),
        ("net_credit_sales", "net_credit_sales"),
        ("write_offs", "write_offs"),
        ("dso_days", "dso"),
        ("cei_pct", "cei"),
    ]
    for ours, theirs in pairs:
        assert months[ours].to_numpy(dtype=float) == pytest.approx(
            expected[theirs].to_numpy(dtype=float), abs=0.01, nan_ok=True
        ), ours
    assert (months["pct_past_60"] / 100).to_numpy() == pytest.approx(
        expected["past_60_share"].to_numpy(), abs=1e-9, nan_ok=True
    )
    # Quarters: the reference walks quarter ends, sales covering the quarter.
    quarters = build.query(
        "select strftime(period_end_date, '%Y-%m-%d') as period_end, dso_days, cei_pct, ar_end "
        "from marts.rpt_kpis_quarterly where segment_type = 'ledger' order by period_start_date"
    ).set_index("period_end")
    # The day before the ledger starts opens the first quarter (no AR yet).
    day_before = (pd.Timestamp(quarters.index[0]) - pd.offsets.QuarterEnd()).strftime("%Y-%m-%d")
    expected_quarters = reference.monthly_kpis([day_before, *quarters.index]).set_index(
        "period_end"
    )
    for column, theirs in [("ar_end", "ar_end"), ("dso_days", "dso"), ("cei_pct", "cei")]:
        assert quarters[column].to_numpy(dtype=float) == pytest.approx(
            expected_quarters[theirs].to_numpy(dtype=float), abs=0.01, nan_ok=True
        ), column


def test_industry_segment_equals_an_independent_recomputation(clean):
    build, summary = clean
    extract = Path(summary["config"]["out"])
    reference = ReferenceLedger(extract)
    customers = pd.read_parquet(extract / "customers.parquet")
    industry = customers.set_index("customer_id")["industry"]
    months = build.query(
        "select strftime(period_end_date, '%Y-%m-%d') as period_end, segment_value, "
        "ar_end, credit_sales, dso_days, cei_pct from marts.rpt_kpis_monthly "
        "where segment_type = 'industry'"
    ).set_index(["period_end", "segment_value"])
    ends = sorted(months.index.get_level_values(0).unique())
    expected = reference.monthly_kpis(ends, segment=industry).set_index(["period_end", "segment"])
    common = expected.index.intersection(months.index)
    assert len(common) == len(expected)
    for ours, theirs in [("ar_end", "ar_end"), ("dso_days", "dso"), ("cei_pct", "cei")]:
        assert months.loc[common, ours].to_numpy(dtype=float) == pytest.approx(
            expected.loc[common, theirs].to_numpy(dtype=float), abs=0.01, nan_ok=True
        ), ours


SEMANTIC_METRICS = [
    "dso_days",
    "best_possible_dso_days",
    "add_days",
    "cei_pct",
    "pct_past_60",
    "bad_debt_ratio_pct",
    "cash_only_cei_pct",
    "days_beyond_terms_days",
    "within_terms_share_pct",
    "days_to_pay_days",
    "forecast_error_days",
    "due_baseline_error_days",
    "dbt_baseline_error_days",
    "forecast_gain_vs_due_days",
    "forecast_gain_vs_dbt_days",
    "over_limit_ar_share_pct",
    "over_limit_account_count",
    "electronic_delivery_share_count_pct",
    "electronic_delivery_share_amount_pct",
]
# Metrics of a mart column under another name: the settlement mix's parts.
SEMANTIC_SUMS = {
    "ledger_settled_cash": "settled_cash",
    "ledger_settled_credit_memos": "settled_credit_memos",
    "ledger_settled_discounts": "settled_discounts",
    "ledger_net_write_offs": "net_write_offs",
    "ledger_settled_other": "settled_other",
}


def mf_query(root: Path, database: Path, grain: str, out: Path) -> pd.DataFrame:
    metrics = ",".join([*SEMANTIC_METRICS, *SEMANTIC_SUMS])
    env = {
        **os.environ,
        "AR_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    completed = subprocess.run(
        [
            str(BIN / "mf"),
            "query",
            "--metrics",
            metrics,
            "--group-by",
            f"metric_time__{grain}",
            "--csv",
            str(out),
            "--quiet",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    frame = pd.read_csv(out)
    frame["period"] = pd.to_datetime(frame[f"metric_time__{grain}"]).dt.strftime("%Y-%m-%d")
    return frame.set_index("period").sort_index()


def assert_semantic_layer_matches(root: Path, build, tmp_path: Path) -> None:
    """Every headline metric of `mf query` by month, quarter and year equals
    the ledger rows of the marts. Months of the ledger's first year before
    its first month come out of the calendar with days only (every metric
    NULL); they are not reported periods."""
    # mf reads target/semantic_manifest.json under the project root: one
    # test at a time writes and reads it (the test command runs two workers).
    (root / "target").mkdir(exist_ok=True)
    with open(root / "target" / ".semantic_test.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _assert_semantic_layer_matches(root, build, tmp_path)


def _assert_semantic_layer_matches(root: Path, build, tmp_path: Path) -> None:
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse", "--no-use-colors"],
        cwd=root,
        env={**os.environ, "DBT_PROFILES_DIR": str(root), "AR_DUCKDB_PATH": str(build.database)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    for grain in ["month", "quarter", "year"]:
        metrics = mf_query(root, build.database, grain, tmp_path / f"{grain}.csv")
        marts = ledger_rows(build, f"rpt_kpis_{grain}ly")
        unreported = metrics.loc[~metrics.index.isin(marts.index), SEMANTIC_METRICS]
        assert unreported.isna().all().all(), (grain, unreported)
        assert set(marts.index) <= set(metrics.index), grain
        metrics = metrics.loc[marts.index]
        for metric, column in ({m: m for m in SEMANTIC_METRICS} | SEMANTIC_SUMS).items():
            assert metrics[metric].to_numpy(dtype=float) == pytest.approx(
                marts[column].to_numpy(dtype=float), rel=1e-9, abs=1e-9, nan_ok=True
            ), (grain, metric)


def test_semantic_layer_returns_the_marts_values(root, clean, tmp_path):
    build, _ = clean
    assert_semantic_layer_matches(root, build, tmp_path)


def test_every_column_is_documented_and_the_project_check_passes(root, clean):
    """dbt docs generate on the clean build; the catalog's mart columns must
    all carry a description in the manifest, and the project check (which
    with a catalog requires every column of every model to be described)
    finds nothing."""
    build, _ = clean
    target = build.database.parent / "docs_target"
    env = {
        **os.environ,
        "AR_DUCKDB_PATH": str(build.database),
        "DBT_PROFILES_DIR": str(root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    completed = subprocess.run(
        [str(BIN / "dbt"), "docs", "generate", "--target-path", str(target), "--no-use-colors"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    undocumented = []
    marts = 0
    for unique_id, node in catalog["nodes"].items():
        if unique_id not in manifest["nodes"] or not is_public_mart(manifest["nodes"][unique_id]):
            continue
        marts += 1
        documented = manifest["nodes"][unique_id]["columns"]
        for column in node["columns"]:
            if not documented.get(column.lower(), {}).get("description", "").strip():
                undocumented.append(f"{node['metadata']['name']}.{column}")
    mart_models = [node for node in manifest["nodes"].values() if is_public_mart(node)]
    assert marts == len(mart_models) >= 15
    assert not undocumented, "undocumented mart columns: " + ", ".join(undocumented)
    violations, report = check(manifest, catalog)
    assert not violations, "\n".join(violations)
    assert len(report) >= 6
    # docs/architecture.md's layer map is the manifest's.
    document = (root / "docs" / "architecture.md").read_text()
    assert document_with_map(document, manifest) == document, (
        "docs/architecture.md is out of date: dbt parse && python -m receivables_rpm.architecture"
    )


def test_summary_reads_a_ledger_of_millions(demo):
    """receivables-summary on the demo ledger (money in millions, exact DECIMAL):
    every section prints, the flags among them."""
    from receivables_rpm.summary import summary_lines

    build, _ = demo
    assert build.returncode == 0, build.output[-3000:]
    run_results = build.database.parent / "target" / "run_results.json"
    lines = summary_lines(build.database, run_results)
    text = "\n".join(lines)
    # The header names the extract the database was loaded from.
    extract = build.database.parent.parent / "extract"
    assert lines[0] == f"== rpm build: extract {extract} -> {build.database} =="
    assert "AR roll-forward" in text and "M" in text.split("AR roll-forward")[1][:400]
    assert "flagged rows, staged" in text
    assert "latest closed month" in text
    # The demo ledger spans years: a billing cohort has been judged.
    assert "at risk at the end of month m+3" in text
    assert "days beyond terms" in text
    assert "% of AR over limit" in text and "at closing rates (unrealised FX" in text
    # Forecast error in days (D83): the latest closed month has documents
    # paid, and the revised forecast beats both naive baselines there.
    month = build.query(
        "select forecast_error_days, forecast_gain_vs_due_days, forecast_gain_vs_dbt_days "
        "from marts.rpt_kpis_monthly where segment_type = 'ledger' and is_closed "
        "order by period_start_date desc limit 1"
    ).iloc[0]
    assert month["forecast_gain_vs_due_days"] > 0 and month["forecast_gain_vs_dbt_days"] > 0
    assert "forecast error month" in text
    assert f"project {month['forecast_error_days']:.1f} d" in text


def test_summary_shows_the_latest_closed_month_and_quarter(worked):
    import duckdb

    from receivables_rpm.summary import kpi_lines

    with duckdb.connect(str(worked.database), read_only=True) as con:
        text = "\n".join(kpi_lines(con))
    # March 2026 is not closed at the extract date 2026-03-31; February is.
    # No quarter is closed yet (Q1 closes with March).
    assert "latest closed month 2026-02" in text
    assert "latest closed quarter" not in text
    assert "whole ledger" in text and "81.8 % watch" in text and "46.2 d good" in text

    from receivables_rpm.summary import v2_kpi_lines

    with duckdb.connect(str(worked.database), read_only=True) as con:
        v2_text = "\n".join(v2_kpi_lines(con))
    # February: cash-only CEI 800 / 1100; no document paid; no cohort judged.
    assert (
        "month 2026-02: cash-only CEI 72.7 %, days beyond terms n/a, "
        "paid within terms n/a, days to pay n/a"
    ) in v2_text
    assert "billing cohorts: none judged yet" in v2_text
    assert "forecast error month 2026-02: n/a (none paid)" in v2_text
    # C1 owes EUR without a usable closing quote: no customer has a usable
    # limit; the EUR AR has no closing rate either.
    assert (
        "credit limits 2026-02: n/a (no customer with a usable limit and AR), "
        "1 owing without a usable limit"
    ) in v2_text
    assert (
        "AR 2026-02-28: 1,650.00 at historical rates, n/a at closing rates "
        "(no usable EUR rate at the period end)"
    ) in v2_text


def test_the_documents_behind_a_kpi_row_add_up_to_its_inputs(root, clean):
    """analyses/kpi_documents lists the documents behind one period-segment's
    inputs; summed they equal the mart's row."""
    build, _ = clean
    row = build.query(
        "select strftime(period_start_date, '%Y-%m-%d') as start, segment_value, ar_begin, "
        "ar_end, credit_sales, write_offs from marts.rpt_kpis_quarterly "
        "where segment_type = 'industry' and ar_begin > 0 and write_offs > 0 "
        "order by period_start_date desc, segment_value limit 1"
    ).iloc[0]
    target = build.database.parent / "analysis_target"
    variables = (
        "{kpi_period_grain: quarter, kpi_period_start: '"
        + row["start"]
        + "', kpi_segment_type: industry, kpi_segment_value: '"
        + row["segment_value"]
        + "'}"
    )
    compiled = subprocess.run(
        [
            str(BIN / "dbt"),
            "compile",
            "--select",
            "kpi_documents",
            "--vars",
            variables,
            "--target-path",
            str(target),
            "--no-use-colors",
        ],
        cwd=root,
        env={**os.environ, "DBT_PROFILES_DIR": str(root), "AR_DUCKDB_PATH": str(build.database)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    sql = (target / "compiled" / "rpm" / "analyses" / "kpi_documents.sql").read_text()
    sums = build.query(
        "select kpi_input, cast(sum(amount_reporting) as varchar) as amount "
        f"from ({sql}) group by 1"
    ).set_index("kpi_input")["amount"]
    exact = build.query(
        "select cast(ar_begin as varchar) as ar_begin, cast(ar_end as varchar) as ar_end, "
        "cast(credit_sales as varchar) as credit_sales, "
        "cast(write_offs as varchar) as write_offs from marts.rpt_kpis_quarterly "
        f"where segment_type = 'industry' and period_start_date = date '{row['start']}' "
        f"and segment_value = '{row['segment_value']}'"
    ).iloc[0]
    for column in ["ar_begin", "ar_end", "credit_sales", "write_offs"]:
        assert Decimal(sums[column]) == Decimal(exact[column]), column


def test_input_documents_add_up_for_every_kpi_row_of_the_latest_closed_periods(clean):
    """rpt_kpi_input_documents, summed per segment in pandas, equals the
    inputs of every KPI row of its periods: at least 20 rows, every grain it
    covers and every segment type."""
    build, _ = clean
    # Money as exact decimals: the documents add up to the inputs exactly.
    documents = build.query(
        "select * replace (cast(amount_reporting as varchar) as amount_reporting) "
        "from marts.rpt_kpi_input_documents"
    )
    documents["amount_reporting"] = documents["amount_reporting"].map(Decimal)
    segment_columns = {
        "company": "company_code",
        "currency": "currency_code",
        "industry": "industry",
        "region": "region",
        "country": "country_code",
        "collector": "collector_id",
        "customer_size_band": "customer_size_band",
        "risk_tier": "risk_tier",
    }
    inputs = ["ar_begin", "ar_end", "current_ar_end", "credit_sales", "write_offs"]
    checked = set()
    for grain, mart in [("month", "monthly"), ("quarter", "quarterly"), ("year", "yearly")]:
        period = documents[documents["period_grain"] == grain]
        if period.empty:
            continue
        start = period["period_start_date"].iloc[0]
        exact = ", ".join(f"cast({name} as varchar) as {name}" for name in inputs)
        rows = build.query(
            f"select segment_type, segment_value, {exact} "
            f"from marts.rpt_kpis_{mart} where period_start_date = date '{start}'"
        )
        for row in rows.itertuples():
            column = segment_columns.get(row.segment_type)
            mine = period if column is None else period[period[column] == row.segment_value]
            sums = mine.groupby("kpi_input")["amount_reporting"].agg(lambda a: sum(a, Decimal(0)))
            for name in inputs:
                assert sums.get(name, Decimal(0)) == Decimal(getattr(row, name) or 0), (
                    grain,
                    row.segment_type,
                    row.segment_value,
                    name,
                )
            checked.add((grain, row.segment_type, row.segment_value))
    assert len(checked) >= 20
    assert {g for g, _, _ in checked} >= {"month", "quarter"}
    assert {t for _, t, _ in checked} == {"ledger", *segment_columns}
