"""receivables-summary: what the last `dbt build` did, in a few lines a person reads.

Reads dbt's target/run_results.json and the DuckDB database (AR_DUCKDB_PATH):
models built, tests passed / warned / failed, the extract date, and per
extract table the rows staged, collapsed, superseded and quarantined, with
the quarantine reasons.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from receivables_rpm import cli

PROG = "receivables-summary"
DEFAULT_RUN_RESULTS = Path("target/run_results.json")


def build_results(run_results: Path | None) -> dict:
    """Counts and failures of dbt's record of the build; {} without one."""
    if run_results is None:
        return {}
    try:
        data = json.loads(run_results.read_text())
        counts: Counter = Counter()
        failures = []
        for result in data["results"]:
            kind = result["unique_id"].split(".")[0]
            status = result["status"]
            counts[(kind, status)] += 1
            if status in ("error", "fail"):
                message = ((result.get("message") or "").splitlines() or [""])[0]
                failures.append(f"{result['unique_id']}: {message[:300]}")
        return {"counts": counts, "elapsed": data.get("elapsed_time", 0.0), "failures": failures}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise cli.UserError(
            f"cannot read dbt's record of the build {run_results} (--run-results): "
            f"{cli.first_line(error)}"
        ) from None


def _query(con, sql: str):
    """Rows of a query, money (exact DECIMAL) as float: the summary only
    displays it, rounded."""
    try:
        rows = con.sql(sql).fetchall()
    except duckdb.Error:
        return None
    return [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in rows]


# What the summary reads, for the Postgres mirror: schema.table -> the rows
# it needs (a filter keeps the aging snapshots to the extract date).
SUMMARY_TABLES = {
    **{
        f"marts.{name}": None
        for name in (
            "fct_customer_risk_scores",
            "rpt_allowance",
            "rpt_ar_closing_rate_totals",
            "rpt_ar_rollforward_monthly",
            "rpt_cash_forecast",
            "rpt_cash_forecast_accuracy",
            "rpt_cei_dso_divergence",
            "rpt_collection_compliance",
            "rpt_collection_effectiveness",
            "rpt_collection_worklist",
            "rpt_gl_reconciliation_monthly",
            "rpt_invoice_delivery_channels",
            "rpt_kpis_monthly",
            "rpt_kpis_quarterly",
            "rpt_row_flags",
        )
    },
    "marts.fct_ar_aging_snapshots": "is_extract_date",
    "audit.published_runs": None,
    "marts_build.rpt_build_info": None,
    "intermediate.util_extract_date": None,
    "raw._extract_files": None,
    "quarantine.extract_row_accounting": None,
    "quarantine.quarantine_summary": None,
}


# Postgres type OIDs -> DuckDB types (pg_type); anything else as text.
POSTGRES_TYPES = {
    16: "boolean",
    20: "bigint",
    21: "bigint",
    23: "bigint",
    700: "double",
    701: "double",
    1700: "decimal(38, 10)",
    1082: "date",
    1114: "timestamp",
    1184: "timestamptz",
}


def postgres_mirror(connection: dict) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the tables the summary reads, copied from
    the Postgres target's production schemas, so that one set of queries
    serves both engines. Money arrives as Decimal and stays exact."""
    import psycopg2

    con = duckdb.connect()
    with closing(psycopg2.connect(**connection)) as pg, pg.cursor() as cur:
        for name, where in SUMMARY_TABLES.items():
            schema, table = name.split(".")
            con.execute(f"create schema if not exists {schema}")
            try:
                cur.execute(f"select * from {name}" + (f" where {where}" if where else ""))
            except psycopg2.Error:
                pg.rollback()  # a table this build does not have: its lines are left out
                continue
            # Every column as Python objects (pandas would make an integer
            # column with a NULL a double), then cast to the Postgres type's
            # DuckDB twin; decimals travel as text, so that DuckDB does not
            # infer a precision from a sample of them.
            names = [d.name for d in cur.description]
            frame = pd.DataFrame(cur.fetchall(), columns=names, dtype=object)
            types = [POSTGRES_TYPES.get(d.type_code, "varchar") for d in cur.description]
            for column, kind in zip(names, types, strict=True):
                if kind.startswith("decimal"):
                    frame[column] = frame[column].map(lambda v: None if v is None else str(v))
            columns = ", ".join(
                f'cast("{c}" as {kind}) as "{c}"' for c, kind in zip(names, types, strict=True)
            )
            con.register("incoming", frame)
            con.execute(f"create table {name} as select {columns} from incoming")
            con.unregister("incoming")
    return con


def summary_lines(
    database: Path | str, run_results: Path | None, postgres: dict | None = None
) -> list[str]:
    """The summary of the build in `database` (a DuckDB file) or, with
    postgres (psycopg2 connection arguments), of the Postgres target's
    production schemas, read into an in-memory DuckDB mirror; run_results:
    dbt's record of the build, if any."""
    results = build_results(run_results)
    con = postgres_mirror(postgres) if postgres is not None else cli.open_database(Path(database))
    # The extract the database was loaded from (the loader records its files).
    loaded = _query(con, "select min(file_path) from raw._extract_files")
    extract = loaded[0][0] if loaded and loaded[0][0] else "(not recorded)"
    if Path(extract).suffix in (".csv", ".parquet"):  # a file: its folder
        extract = Path(extract).parent
    lines = [f"== rpm build: extract {extract} -> {database} =="]
    if results:
        c = results["counts"]
        models = c[("model", "success")]
        tests_total = sum(n for (kind, _), n in c.items() if kind == "test")
        units_total = sum(n for (kind, _), n in c.items() if kind == "unit_test")
        failed_tests = c[("test", "fail")] + c[("test", "error")]
        not_built = [
            f"{c[('model', status)]} models {word}"
            for status, word in (("error", "failed"), ("skipped", "skipped"))
            if c[("model", status)]
        ]
        lines.append(
            f"dbt build: {models} models, {c[('snapshot', 'success')]} snapshots and "
            f"{c[('seed', 'success')]} seeds built"
            + "".join(f", {text}" for text in not_built)
            + f"; {tests_total} data tests: {c[('test', 'pass')]} passed, "
            f"{c[('test', 'warn')]} warned, {failed_tests} failed; "
            f"{c[('unit_test', 'pass')]} of {units_total} unit tests passed; "
            f"{results['elapsed']:.1f} s"
        )
        for failure in results["failures"][:5]:
            lines.append(f"  FAILED {failure}")
    lines += publication_lines(con)
    extract = _query(
        con, "select extract_date, extract_date_source from intermediate.util_extract_date"
    )
    if extract:
        lines.append(f"extract date {extract[0][0]} ({extract[0][1]})")
    accounting = _query(
        con,
        "select table_name, raw_rows, staged_rows, collapsed_rows, superseded_rows, "
        "quarantined_rows from quarantine.extract_row_accounting order by table_name",
    )
    if accounting:
        lines.append("")
        lines.append(
            f"{'extract table':<24}{'raw':>11}{'staged':>11}{'collapsed':>11}{'superseded':>11}"
            f"{'quarantined':>12}"
        )
        for table, *numbers in accounting:
            lines.append(
                f"  {table:<22}" + "".join(f"{n:>11,}" for n in numbers[:4]) + f"{numbers[4]:>12,}"
            )
    reasons = _query(
        con,
        "select table_name, reason_code, quarantined_rows, example_record_key, "
        "example_detail from quarantine.quarantine_summary "
        "order by quarantined_rows desc, table_name, reason_code",
    )
    if reasons:
        lines.append("")
        lines.append("quarantined rows by reason (all in quarantine.quarantined_rows):")
        for table, reason, rows, key, detail in reasons[:12]:
            lines.append(f"  {table:<22} {reason:<27}{rows:>7,}  e.g. {key}: {detail}")
        if len(reasons) > 12:
            lines.append(f"  ... {len(reasons) - 12} more table/reason pairs")
    elif accounting:
        lines.append("no rows quarantined")
    flags = _query(
        con,
        "select table_name, flag, flagged_rows, example_record_key, flag_column "
        "from marts.rpt_row_flags order by table_name, flag",
    )
    if flags:
        lines.append("")
        lines.append("flagged rows, staged (suspicious, not invalid; marts.rpt_row_flags):")
        for table, flag, rows, key, column in flags:
            example = f"  e.g. {key}" if key is not None else ""
            lines.append(f"  {table:<22} {flag:<27}{rows:>7,}{example}  ({column})")
    lines += ledger_lines(con)
    lines += operations_lines(con)
    lines += kpi_lines(con)
    lines += v2_kpi_lines(con)
    lines += divergence_lines(con)
    return lines


def publication_lines(con) -> list[str]:
    """Whether this build's marts were published, and which build readers
    see (write-audit-publish: marts_build is the build, marts what is
    published)."""
    built = _query(con, "select run_id from marts_build.rpt_build_info")
    published = _query(
        con,
        "select run_id, extract_date, published_at from audit.published_runs "
        "order by published_at desc limit 1",
    )
    if not published:
        return ["marts NOT published: no build has passed every test yet (schema marts is empty)"]
    run_id, extract_date, published_at = published[0]
    seen = f"run {run_id}, extract date {extract_date}, published {published_at:%Y-%m-%d %H:%M:%S}"
    if built and built[0][0] == run_id:
        return [f"marts published: {seen}"]
    return [
        "marts NOT published (see the dbt log for why): readers keep the previous build "
        f"({seen}); the figures below are that build's"
    ]


def _money(value: float) -> str:
    return f"{value / 1e6:,.2f}M" if abs(value) >= 1e5 else f"{value:,.0f}"


def ledger_lines(con) -> list[str]:
    """AR roll-forward of the last months, the latest aging by bucket and the
    GL reconciliation, all companies, reporting currency."""
    lines: list[str] = []
    rollforward = _query(
        con,
        "select strftime(period_start_date, '%Y-%m'), sum(ar_begin_reporting), "
        "sum(credit_sales_reporting), sum(cash_applied_reporting), "
        "sum(credit_memo_applied_reporting), sum(discounts_reporting), "
        "sum(write_offs_reporting), sum(other_adjustments_reporting), "
        "sum(reversals_reporting), sum(recoveries_reporting), sum(ar_end_reporting) "
        "from marts.rpt_ar_rollforward_monthly group by 1 order by 1 desc limit 3",
    )
    if rollforward:
        lines += ["", "AR roll-forward, reporting currency, all companies (last 3 months):"]
        header = [
            "month",
            "begin",
            "+sales",
            "-cash",
            "-credit",
            "-discount",
            "-written",
            "-other",
            "+reversed",
            "+recovery",
            "end",
        ]
        lines.append("  " + "".join(f"{h:>10}" for h in header))
        for month, *values in reversed(rollforward):
            lines.append(f"  {month:>10}" + "".join(f"{_money(v):>10}" for v in values))
    aging = _query(
        con,
        "select as_of_date, aging_bucket, sum(open_amount_reporting), count(*) "
        "from marts.fct_ar_aging_snapshots where is_extract_date "
        "group by 1, 2, aging_bucket_order order by aging_bucket_order",
    )
    if aging:
        total = sum(row[2] for row in aging)
        lines += ["", f"aging at {aging[0][0]} (extract date), reporting currency:"]
        for _, bucket, amount, count in aging:
            share = amount / total * 100 if total else 0.0
            lines.append(f"  {bucket:<10}{_money(amount):>12}{share:>7.1f} %{count:>10,} documents")
        lines.append(f"  {'total':<10}{_money(total):>12}")
    reconciliation = _query(
        con,
        "select reconciliation_status, count(*) from marts.rpt_gl_reconciliation_monthly "
        "group by 1 order by 1",
    )
    if reconciliation:
        counts = dict(reconciliation)
        lines += [
            "",
            "GL reconciliation (net AR vs AR control account), company-months: "
            + ", ".join(f"{n} {status}" for status, n in counts.items()),
        ]
        differences = _query(
            con,
            "select company_code, period_end_date, difference_reporting "
            "from marts.rpt_gl_reconciliation_monthly "
            "where reconciliation_status = 'difference' order by 1, 2",
        )
        for company, period_end, difference in (differences or [])[:10]:
            lines.append(f"  reconciling item: {company} {period_end} {difference:+,.2f}")
    return lines


# The five RPM benchmarks: column, label, format.
RPM_KPIS = [
    ("dso_days", "DSO", "{:.1f} d"),
    ("cei_pct", "CEI", "{:.1f} %"),
    ("pct_past_60", "past 60", "{:.1f} %"),
    ("bad_debt_ratio_pct", "bad debt", "{:.2f} %"),
    ("add_days", "ADD", "{:.1f} d"),
]


def _kpi_cell(value, status, fmt: str) -> str:
    if value is None:
        return "n/a"
    return fmt.format(value) + (f" {status}" if status else "")


def kpi_lines(con) -> list[str]:
    """The latest closed month and quarter: the whole ledger, then the three
    segment values that miss the most benchmarks (ties broken by AR)."""
    lines: list[str] = []
    columns = ", ".join(f"{name}, {name}_status" for name, _, _ in RPM_KPIS)
    for grain, table in (("month", "rpt_kpis_monthly"), ("quarter", "rpt_kpis_quarterly")):
        latest = _query(con, f"select max(period_start_date) from marts.{table} where is_closed")
        if not latest or latest[0][0] is None:
            continue
        period = latest[0][0]
        rows = _query(
            con,
            f"select segment_type, segment_value, ar_end, benchmarks_missed, is_systemic, "
            f"countback_dso_days, {columns} from marts.{table} "
            f"where period_start_date = date '{period}' "
            "order by segment_type = 'ledger' desc, benchmarks_missed desc, ar_end desc",
        )
        if not rows:
            continue
        label = period.strftime("%Y-%m") if grain == "month" else _quarter(period)
        lines += ["", f"KPIs, latest closed {grain} {label} (status against benchmarks):"]
        header = f"  {'segment':<34}{'AR':>10}" + "".join(
            f"{label:>19}" for _, label, _ in RPM_KPIS
        )
        lines.append(header + f"{'countback':>11}  missed")
        for segment_type, value, ar_end, missed, systemic, countback, *kpis in rows[:4]:
            name = "whole ledger" if segment_type == "ledger" else f"{segment_type}: {value}"
            cells = "".join(
                f"{_kpi_cell(kpis[2 * i], kpis[2 * i + 1], fmt):>19}"
                for i, (_, _, fmt) in enumerate(RPM_KPIS)
            )
            countback_text = "n/a" if countback is None else f"{countback:.1f} d"
            lines.append(
                f"  {name[:33]:<34}{_money(ar_end):>10}{cells}{countback_text:>11}"
                f"  {missed}{' systemic' if systemic else ''}"
            )
    return lines


def v2_kpi_lines(con) -> list[str]:
    """The spec v2 headline figures of the whole ledger: the latest closed
    month's and quarter's cash-only CEI, days beyond terms, share paid
    within terms and days to pay, and the latest judged billing cohort."""
    lines: list[str] = []
    for grain, table in (("month", "rpt_kpis_monthly"), ("quarter", "rpt_kpis_quarterly")):
        rows = _query(
            con,
            "select period_start_date, cash_only_cei_pct, days_beyond_terms_days, "
            f"within_terms_share_pct, days_to_pay_days from marts.{table} "
            "where segment_type = 'ledger' and is_closed "
            "order by period_start_date desc limit 1",
        )
        if not rows:
            continue
        period, cash_cei, beyond, within, to_pay = rows[0]
        label = period.strftime("%Y-%m") if grain == "month" else _quarter(period)

        def shown(value, fmt):
            return "n/a" if value is None else fmt.format(value)

        lines.append(
            f"  {grain} {label}: cash-only CEI {shown(cash_cei, '{:.1f} %')}, "
            f"days beyond terms {shown(beyond, '{:+.1f} d')}, "
            f"paid within terms {shown(within, '{:.1f} %')}, "
            f"days to pay {shown(to_pay, '{:.1f} d')}"
        )
    cohort = _query(
        con,
        "select period_start_date, cohort_at_risk_rate_pct from marts.rpt_kpis_monthly "
        "where segment_type = 'ledger' and cohort_at_risk_rate_pct is not null "
        "order by period_start_date desc limit 1",
    )
    if cohort:
        month, rate = cohort[0]
        lines.append(
            f"  billing cohort {month.strftime('%Y-%m')}: {rate:.1f} % at risk "
            "at the end of month m+3"
        )
    else:
        lines.append("  billing cohorts: none judged yet (month m+3 not closed)")
    lines += _forecast_error_lines(con)
    lines += _credit_limit_and_closing_rate_lines(con)
    lines += _delivery_and_cycle_lines(con)
    return ["", "Payment behaviour (spec v2), whole ledger:", *lines] if lines else []


def _or_na(value, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def _delivery_and_cycle_lines(con) -> list[str]:
    """The latest closed quarter's invoice delivery (median days to send,
    electronic share, days beyond terms electronic against paper) and cash
    conversion cycle, or why they are n/a."""
    rows = _query(
        con,
        "select period_start_date, invoice_delivery_median_days, "
        "electronic_delivery_share_count_pct, electronic_delivery_share_amount_pct, "
        "invoice_delivery_null_reason, dso_days, dio_days, dpo_days, "
        "cash_conversion_cycle_days, cash_conversion_cycle_null_reason "
        "from marts.rpt_kpis_quarterly where segment_type = 'ledger' and is_closed "
        "order by period_start_date desc limit 1",
    )
    if not rows:
        return []
    period, median, by_count, by_amount, delivery_reason, dso, dio, dpo, cycle, cycle_reason = rows[
        0
    ]
    quarter = _quarter(period)
    if median is None:
        lines = [f"  invoice delivery {quarter}: n/a ({delivery_reason})"]
    else:
        speeds = dict(
            _query(
                con,
                "select case when delivery_channel in ('email', 'portal', 'edi') "
                "then 'electronic' else delivery_channel end, "
                "sum(paid_amount_x_days_beyond_terms) / nullif(sum(paid_applied_amount), 0) "
                "from marts.rpt_invoice_delivery_channels where segment_type = 'ledger' "
                "and period_grain = 'quarter' "
                f"and period_start_date = date '{period.isoformat()}' group by 1",
            )
            or []
        )
        paper = speeds.get("paper")
        electronic = speeds.get("electronic")
        compared = (
            f"; days beyond terms electronic {electronic:+.1f} d, paper {paper:+.1f} d"
            if paper is not None and electronic is not None
            else ""
        )
        lines = [
            f"  invoice delivery {quarter}: median {median:.1f} d to send, electronic "
            f"{by_count:.1f} % of documents ({_or_na(by_amount, '{:.1f} %')} of amount){compared}"
        ]
    if cycle is None:
        lines.append(f"  cash conversion cycle {quarter}: n/a ({cycle_reason})")
    else:
        lines.append(
            f"  cash conversion cycle {quarter}: {cycle:.1f} d "
            f"(DSO {dso:.1f} + DIO {dio:.1f} - DPO {dpo:.1f})"
        )
    return lines


def _forecast_error_lines(con) -> list[str]:
    """The latest closed month's and quarter's forecast error in days: the
    project's cash forecast against the two naive baselines."""
    lines: list[str] = []
    for grain, table in (("month", "rpt_kpis_monthly"), ("quarter", "rpt_kpis_quarterly")):
        rows = _query(
            con,
            "select period_start_date, forecast_error_days, due_baseline_error_days, "
            "dbt_baseline_error_days, forecast_error_document_count, forecast_error_null_reason "
            f"from marts.{table} where segment_type = 'ledger' and is_closed "
            "order by period_start_date desc limit 1",
        )
        if not rows:
            continue
        period, project, due, dbt, documents, reason = rows[0]
        label = period.strftime("%Y-%m") if grain == "month" else _quarter(period)
        if project is None:
            lines.append(f"  forecast error {grain} {label}: n/a ({reason})")
            continue
        lines.append(
            f"  forecast error {grain} {label} ({documents} documents paid): "
            f"project {project:.1f} d, due date {due:.1f} d ({due - project:+.1f}), "
            f"due + days beyond terms {dbt:.1f} d ({dbt - project:+.1f})"
        )
    return lines


def _credit_limit_and_closing_rate_lines(con) -> list[str]:
    """The latest closed month's credit-limit use and its end's AR at the
    closing rate against historical rates (spec v2)."""
    rows = _query(
        con,
        "select period_start_date, period_end_date, over_limit_ar_share_pct, "
        "over_limit_account_count, limit_left_out_account_count, over_limit_null_reason "
        "from marts.rpt_kpis_monthly where segment_type = 'ledger' and is_closed "
        "order by period_start_date desc limit 1",
    )
    if not rows:
        return []
    month, month_end, share, over, left_out, null_reason = rows[0]
    label = month.strftime("%Y-%m")
    use = (
        f"{share:.1f} % of AR over limit, {over:,} accounts over"
        if share is not None
        else f"n/a ({null_reason})"
    )
    lines = [f"  credit limits {label}: {use}, {left_out:,} owing without a usable limit"]
    closing = _query(
        con,
        "select ar_historical_reporting, ar_closing_reporting, ar_unrealised_fx_reporting, "
        "ar_closing_null_reason from marts.rpt_ar_closing_rate_totals "
        f"where segment_type = 'ledger' and as_of_date = date '{month_end.isoformat()}'",
    )
    if closing:
        historical, at_closing, unrealised, reason = closing[0]
        revalued = (
            f"{at_closing:,.2f} at closing rates (unrealised FX {unrealised:+,.2f})"
            if at_closing is not None
            else f"n/a at closing rates ({reason})"
        )
        lines.append(
            f"  AR {month_end.isoformat()}: {historical:,.2f} at historical rates, {revalued}"
        )
    return lines


def operations_lines(con) -> list[str]:
    """Collection-rule compliance and the allowance, latest closed month."""
    lines: list[str] = []
    compliance = _query(
        con,
        "select strftime(period_start_date, '%Y-%m'), collection_rule, triggered_count, "
        "carried_out_count, compliance_pct from marts.rpt_collection_compliance "
        "where period_grain = 'month' and segment_type = 'ledger' and is_closed "
        "and period_start_date = (select max(period_start_date) "
        "from marts.rpt_collection_compliance where period_grain = 'month' and is_closed) "
        "order by collection_rule",
    )
    if compliance:
        lines += ["", f"collection rules, {compliance[0][0]} (actions due, carried out):"]
        for _, rule, triggered, done, pct in compliance:
            lines.append(f"  {rule:<22}{triggered:>8,} triggered{done:>8,} done  {pct:5.1f} %")
    effectiveness = _query(
        con,
        "select strftime(period_start_date, '%Y-%m'), promise_kept_count, promise_broken_count, "
        "promise_kept_rate_pct, right_party_contact_rate_pct "
        "from marts.rpt_collection_effectiveness where period_grain = 'month' "
        "and segment_type = 'ledger' and is_closed order by period_start_date desc limit 1",
    )
    if effectiveness:
        month, kept, broken, kept_pct, rpc_pct = effectiveness[0]
        kept_text = "n/a" if kept_pct is None else f"{kept_pct:.1f} %"
        rpc_text = "n/a" if rpc_pct is None else f"{rpc_pct:.1f} %"
        lines.append(
            f"  promises to pay due in {month}: {kept:,} kept, {broken:,} broken: kept rate "
            f"{kept_text}; right-party contact rate {rpc_text}"
        )
    worklist = _query(
        con,
        "select worklist_date, worklist_action, count(*), sum(open_amount_reporting) "
        "from marts.rpt_collection_worklist group by 1, 2 order by 2",
    )
    if worklist:
        lines += ["", f"worklist for {worklist[0][0]} (accounts, open AR):"]
        for _, action, accounts, amount in worklist:
            lines.append(f"  {action:<22}{accounts:>8,}{_money(amount):>12}")
    tiers = _query(
        con,
        "select month_end_date, risk_tier, count(*), sum(ar_reporting) "
        "from marts.fct_customer_risk_scores "
        "where month_end_date = (select max(month_end_date) from marts.fct_customer_risk_scores) "
        "group by 1, 2 order by min(risk_score)",
    )
    if tiers:
        lines += ["", f"customer risk tiers at {tiers[0][0]} (customers, AR):"]
        for _, tier, customers, amount in tiers:
            lines.append(f"  {tier:<22}{customers:>8,}{_money(amount):>12}")
    lines += forecast_lines(con)
    allowance = _query(
        con,
        "select strftime(period_start_date, '%Y-%m'), ar_end, allowance_amount, "
        "allowance_coverage_pct, simple_method_allowance_amount, allowance_change_pct, "
        "is_likely_under_reserved, is_likely_managed_to_earnings from marts.rpt_allowance "
        "where period_grain = 'month' and segment_type = 'ledger' and is_closed "
        "order by period_start_date desc limit 1",
    )
    if allowance:
        month, ar_end, amount, coverage, simple, change, under, managed = allowance[0]
        if amount is None:
            lines += ["", f"allowance {month}: no loss rates yet (ledger history too short)"]
        else:
            flags = [
                name
                for name, flag in (
                    ("likely under-reserved", under),
                    ("likely managed to earnings", managed),
                )
                if flag
            ]
            change_text = "n/a" if change is None else f"{change:+.1f} %"
            simple_text = "n/a" if simple is None else _money(simple)
            lines += [
                "",
                f"allowance for doubtful accounts {month} (provision matrix): {_money(amount)} "
                f"= {coverage:.2f} % of AR {_money(ar_end)}, {change_text} on the month; "
                f"simple loss-rate method {simple_text}; adequacy flags: "
                + (", ".join(flags) if flags else "none"),
            ]
    return lines


def divergence_lines(con) -> list[str]:
    """CEI-DSO divergence flags of the latest complete quarter, with their
    evidence and the recommended response."""
    quarter = _query(
        con,
        "select max(period_start_date) from marts.rpt_cei_dso_divergence where window_quarters > 0",
    )
    if not quarter or quarter[0][0] is None:
        return []
    latest = quarter[0][0]
    flags = _query(
        con,
        "select window_start_date, segment_type, segment_value, pattern, severity, cei_min, "
        "cei_max, cei_change, dso_slope, rising_quarters, recommended_response "
        "from marts.rpt_cei_dso_divergence "
        f"where period_start_date = date '{latest}' and pattern <> 'none' "
        "order by pattern desc, severity, dso_slope desc",
    )
    lines = ["", f"CEI-DSO divergence flags, window ending {_quarter(latest)}:"]
    if not flags:
        return lines + ["  none"]
    for (
        window_start,
        segment_type,
        value,
        pattern,
        severity,
        cei_min,
        cei_max,
        cei_change,
        slope,
        rising,
        response,
    ) in flags:
        lines.append(
            f"  {segment_type}: {value}  {pattern} ({severity}), {_quarter(window_start)} to "
            f"{_quarter(latest)}: CEI {cei_min:.1f}-{cei_max:.1f} ({cei_change:+.1f} "
            f"points), DSO slope {slope:+.1f} days/quarter, rising {rising} quarters in a row"
        )
        lines.append(f"      -> {response}")
    return lines


def forecast_lines(con) -> list[str]:
    """Cash forecast accuracy of the latest ended month and over the last 12,
    the project's (back-tested) beside treasury's; the next months' forecast."""
    accuracy = _query(
        con,
        "select strftime(period_start_date, '%Y-%m'), forecast_source, "
        "forecast_amount_reporting, actual_cash_received_reporting, forecast_accuracy, "
        "avg(forecast_accuracy) over (partition by forecast_source order by period_start_date "
        "rows between 11 preceding and current row) "
        "from marts.rpt_cash_forecast_accuracy where segment_type = 'ledger' "
        "qualify period_start_date = max(period_start_date) over () order by forecast_source",
    )
    lines: list[str] = []
    if accuracy:
        month = accuracy[0][0]
        lines += ["", f"cash forecast accuracy, {month} (1 - |forecast - actual| / actual):"]
        for _, source, forecast, actual, value, mean in accuracy:
            value_text = "n/a" if value is None else f"{value * 100:.1f} %"
            mean_text = "n/a" if mean is None else f"{mean * 100:.1f} %"
            forecast_text = "none" if forecast is None else _money(forecast)
            lines.append(
                f"  {source:<10}forecast {forecast_text:>10}  actual {_money(actual):>10}  "
                f"accuracy {value_text}  (mean of the last 12 months {mean_text})"
            )
    upcoming = _query(
        con,
        "select strftime(period_start_date, '%Y-%m'), sum(expected_amount_reporting) "
        "from marts.rpt_cash_forecast where period_grain = 'month' group by 1 order by 1 limit 3",
    )
    if upcoming:
        lines.append(
            "  forecast from the open items: "
            + ", ".join(f"{month} {_money(amount)}" for month, amount in upcoming)
        )
    return lines


def _quarter(day) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def main(argv=None) -> int:
    command = cli.parser(PROG, __doc__)
    cli.add_database(command, help="the DuckDB database the build wrote")
    cli.add_postgres(
        command, help="summarise the Postgres target's build instead (RPM_PG_* variables)"
    )
    command.add_argument(
        "--run-results",
        type=Path,
        default=None,
        metavar="FILE",
        help="dbt's record of the build (models, tests, timings); without it, "
        f"{DEFAULT_RUN_RESULTS} when there is one",
    )
    args = command.parse_args(argv)
    run_results = args.run_results
    if run_results is None and DEFAULT_RUN_RESULTS.is_file():
        run_results = DEFAULT_RUN_RESULTS

    def summarise() -> int:
        if not args.postgres:
            lines = summary_lines(args.database, run_results)
        else:
            connection = cli.postgres_arguments()
            where = f"Postgres {connection['dbname']} on {connection['host']}:{connection['port']}"
            try:
                lines = summary_lines(where, run_results, postgres=connection)
            except cli.UserError:
                raise
            except Exception as error:  # noqa: BLE001 - a server that refuses us: one line
                raise cli.UserError(f"cannot read {where}: {cli.first_line(error)}") from None
        print("\n".join(lines))
        return cli.OK

    return cli.run(PROG, summarise)


if __name__ == "__main__":
    sys.exit(main())
