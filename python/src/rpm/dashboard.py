"""rpm-dashboard: a static, self-contained HTML dashboard from the public marts.

Reads only the schema `marts` (what BI tools read; a development target's
`<prefix>_marts` with --schema-prefix), from the DuckDB file (AR_DUCKDB_PATH)
or from Postgres (--postgres: RPM_PG_* variables), and writes
one HTML file: charts are SVG drawn here, the segment selector and the page's
self-check are a few lines of inline script, nothing is fetched from a
network. Every figure says what it shows, its period and unit, and links to
the KPI's definition at the end of the page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rpm import schema_name, schema_prefix_error
from rpm.duckdb_lock import DatabaseInUse

PALETTE = ["#1f5fa8", "#e07b00", "#2e8b57", "#b8860b", "#c0392b", "#6c3483", "#5d6d7e"]
BUCKET_COLOURS = ["#2e8b57", "#9acd32", "#f1c40f", "#e67e22", "#d35400", "#922b21"]


def definitions(build_vars: dict) -> dict[str, tuple[str, str]]:
    """The KPI definitions the figures link to (kpi_definitions.md), with the
    thresholds of the build (rpt_build_info.build_vars), never copies."""
    v = build_vars
    return {
        "dso": (
            "Days sales outstanding (DSO)",
            "AR at period end / credit sales of the period x days in the period. "
            "NULL when credit sales <= 0.",
        ),
        "best_possible_dso": (
            "Best possible DSO",
            "AR not past due at period end / credit sales x days in the period.",
        ),
        "add": ("Average days delinquent (ADD)", "DSO - best possible DSO."),
        "cei": (
            "Collection effectiveness index (CEI)",
            "(AR at begin + credit sales - AR at end) / (AR at begin + credit sales - "
            "current AR at end) x 100, over the whole period's credit sales.",
        ),
        "aging": (
            "Aging by bucket",
            "Open INV/DM balances at period end by days past due (seed aging_buckets), "
            "in the reporting currency; events dated after the period end do not count.",
        ),
        "divergence": (
            "CEI-DSO divergence",
            f"Per quarter and segment over the last {v['divergence_window']} quarters: quality "
            f"drift (CEI >= {v['divergence_cei_floor']} "
            "throughout, DSO rising) or collection discipline (CEI falling, DSO rising); "
            "see DECISIONS.md D44.",
        ),
        "compliance": (
            "Collection-rule compliance",
            f"Share of triggered actions carried out: month-end statement within "
            f"{v['statement_window_days']} days, first call within "
            f"{v['first_call_business_days']} business days of "
            f"{v['first_call_days_past_due']} days past due, invoices to accounts on credit "
            f"hold ({v['credit_hold_days_past_due']} days past due) with a valid approval.",
        ),
        "worklist": (
            "Today's worklist",
            "Actions due at the extract date: statements, first calls, accounts on hold.",
        ),
        "promises": (
            "Promise-to-pay kept rate and right-party-contact rate",
            "Kept / (kept + broken) promises due in the period; outbound calls reaching the "
            "right party / outbound calls.",
        ),
        "disputes": (
            "Dispute resolution time",
            "Median and 90th percentile of resolved date - opened date over disputes "
            "resolved in the period, per type, against the type's SLA.",
        ),
        "allowance": (
            "Allowance for doubtful accounts",
            "Provision matrix: AR per aging bucket x the bucket's historical loss rate; "
            "flags: likely under-reserved (AR grows faster than the allowance) and likely "
            "managed to earnings (large swings).",
        ),
    }


@dataclass
class Figure:
    """One figure of the page: an id, what it shows, and its SVG or HTML."""

    chart_id: str
    title: str
    caption: str
    definition: str
    body: str
    per_segment: dict[str, str] = field(default_factory=dict)


# ---- data ------------------------------------------------------------------


class Marts:
    """Runs queries on the published marts of a DuckDB file or a Postgres
    database; the queries name the marts without their schema."""

    def __init__(
        self,
        duckdb_path: Path | None = None,
        postgres: dict | None = None,
        schema: str = "marts",
    ):
        """postgres: psycopg2.connect keyword arguments (host, port, dbname,
        user, password); otherwise the DuckDB file, read only. schema: where
        the marts are published (a development target's: <prefix>_marts)."""
        if postgres is not None:
            import psycopg2

            self.con = psycopg2.connect(**postgres)
            self.kind = "postgres"
            with self.con.cursor() as cur:
                cur.execute("select set_config('search_path', %s, false)", (schema,))
        else:
            from rpm import duckdb_lock

            self.con = duckdb_lock.connect(duckdb_path, read_only=True)
            self.kind = "duckdb"
            # SET takes no parameter: the name is checked in main().
            self.con.execute(f"set search_path = '{schema}'")

    def query(self, sql: str) -> pd.DataFrame:
        if self.kind == "duckdb":
            return self.con.sql(sql).df()
        with self.con.cursor() as cur:
            cur.execute(sql)
            frame = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
        for column in frame.columns:
            if frame[column].map(lambda v: type(v).__name__ == "Decimal").any():
                frame[column] = frame[column].astype(float)
        return frame


def _date(value) -> dt.date:
    return pd.Timestamp(value).date()


# ---- SVG -------------------------------------------------------------------

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 14, 34


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    step = (hi - lo) / count if hi > lo else 1.0
    magnitude = 10 ** len(str(int(step))) / 10 if step >= 1 else 0.1
    step = max(round(step / magnitude) * magnitude, magnitude)
    start = (lo // step) * step
    return [start + i * step for i in range(count + 2) if start + i * step <= hi + 1e-9]


def _number(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:,.0f}k"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def _axes(x_labels: list[tuple[float, str]], y_ticks: list[tuple[float, str]], unit: str) -> str:
    parts = [
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
        f'y2="{HEIGHT - BOTTOM}" class="axis"/>'
    ]
    for y, label in y_ticks:
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{label}</text>'
        )
    for x, label in x_labels:
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" class="tick" '
            f'text-anchor="middle">{html.escape(label)}</text>'
        )
    parts.append(
        f'<text x="12" y="{TOP + (HEIGHT - TOP - BOTTOM) / 2:.0f}" class="unit" '
        f'transform="rotate(-90 12 {TOP + (HEIGHT - TOP - BOTTOM) / 2:.0f})" '
        f'text-anchor="middle">{html.escape(unit)}</text>'
    )
    return "".join(parts)


def _month_labels(dates: list[dt.date], x) -> list[tuple[float, str]]:
    every = max(1, len(dates) // 8)
    return [(x(i), d.strftime("%Y-%m")) for i, d in enumerate(dates) if i % every == 0]


def _legend(names: list[str], colours: list[str]) -> str:
    items = "".join(
        f'<span class="key"><i style="background:{c}"></i>{html.escape(n)}</span>'
        for n, c in zip(names, colours, strict=False)
    )
    return f'<div class="legend">{items}</div>'


def line_chart(
    dates: list[dt.date],
    series: dict[str, list[float | None]],
    unit: str,
    band: tuple[float | None, float | None] | None = None,
    band_label: str = "",
) -> str:
    """Lines over months; a shaded band for the benchmark's good range."""
    values = [v for vs in series.values() for v in vs if v is not None and pd.notna(v)]
    if not values or not dates:
        return '<p class="empty">No values for this segment.</p>'
    lo, hi = min(values + [0.0]), max(values)
    if band:
        lo = min(lo, *(b for b in band if b is not None))
        hi = max(hi, *(b for b in band if b is not None))
    hi = hi + (hi - lo) * 0.08 or 1.0
    x = _scale(0, max(len(dates) - 1, 1), LEFT + 8, WIDTH - RIGHT - 8)
    y = _scale(lo, hi, HEIGHT - BOTTOM, TOP)
    parts = []
    if band and (band[0] is not None or band[1] is not None):
        top = y(band[1] if band[1] is not None else hi)
        bottom = y(band[0] if band[0] is not None else lo)
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{max(bottom - top, 0):.1f}" class="band"><title>'
            f"{html.escape(band_label)}</title></rect>"
        )
    y_ticks = [(y(t), _number(t)) for t in _ticks(lo, hi)]
    parts.append(_axes(_month_labels(dates, x), y_ticks, unit))
    for (name, vs), colour in zip(series.items(), PALETTE, strict=False):
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None and pd.notna(v)]
        if not points:
            continue
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{px:.1f},{py:.1f}" for i, (px, py) in enumerate(points)
        )
        parts.append(
            f'<path d="{path}" class="mark line" stroke="{colour}"><title>{html.escape(name)}</title></path>'
        )
    svg = f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{"".join(parts)}</svg>'
    names = list(series) + ([band_label] if band else [])
    colours = PALETTE[: len(series)] + (["#d9ead3"] if band else [])
    return svg + _legend(names, colours)


def stacked_bars(dates: list[dt.date], stacks: dict[str, list[float]], unit: str) -> str:
    totals = [sum(max(s[i] or 0, 0) for s in stacks.values()) for i in range(len(dates))]
    if not dates or max(totals, default=0) <= 0:
        return '<p class="empty">No open receivables for this segment.</p>'
    hi = max(totals) * 1.08
    step = (WIDTH - LEFT - RIGHT) / len(dates)
    x = lambda i: LEFT + step * (i + 0.5)  # noqa: E731
    y = _scale(0, hi, HEIGHT - BOTTOM, TOP)
    parts = [_axes(_month_labels(dates, x), [(y(t), _number(t)) for t in _ticks(0, hi)], unit)]
    for i, day in enumerate(dates):
        base = 0.0
        for (name, values), colour in zip(stacks.items(), BUCKET_COLOURS, strict=False):
            value = max(values[i] or 0, 0)
            if value <= 0:
                continue
            parts.append(
                f'<rect x="{x(i) - step * 0.4:.1f}" y="{y(base + value):.1f}" '
                f'width="{step * 0.8:.1f}" height="{y(base) - y(base + value):.1f}" '
                f'fill="{colour}" class="mark"><title>{day:%Y-%m} {html.escape(name)}: '
                f"{value:,.0f}</title></rect>"
            )
            base += value
    svg = f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{"".join(parts)}</svg>'
    return svg + _legend(list(stacks), BUCKET_COLOURS)


def bar_rows(
    rows: list[tuple[str, list[float | None]]],
    names: list[str],
    unit: str,
    reference: list[float | None] | None = None,
) -> str:
    """Horizontal bars, one group per row label; an optional reference tick per row (an SLA)."""
    values = [v for _, vs in rows for v in vs if v is not None and pd.notna(v)]
    values += [r for r in reference or [] if r is not None and pd.notna(r)]
    if not rows or not values:
        return '<p class="empty">Nothing to show.</p>'
    height = TOP + BOTTOM + len(rows) * 16 * max(len(names), 1) + len(rows) * 8
    left = 150
    x = _scale(0, max(values) * 1.1, left, WIDTH - RIGHT)
    parts = [
        f'<line x1="{left}" y1="{TOP}" x2="{left}" y2="{height - BOTTOM}" class="axis"/>',
        f'<text x="{WIDTH - RIGHT}" y="{height - 8}" class="unit" text-anchor="end">{html.escape(unit)}</text>',
    ]
    cursor = TOP
    for r, (label, vs) in enumerate(rows):
        parts.append(
            f'<text x="{left - 6}" y="{cursor + 12}" class="tick" text-anchor="end">{html.escape(label)}</text>'
        )
        group_top = cursor
        for value, colour, name in zip(vs, PALETTE, names, strict=False):
            if value is not None and pd.notna(value):
                parts.append(
                    f'<rect x="{left}" y="{cursor + 2}" width="{max(x(value) - left, 1):.1f}" height="12" '
                    f'fill="{colour}" class="mark"><title>{html.escape(label)} {html.escape(name)}: '
                    f"{value:,.1f}</title></rect>"
                    f'<text x="{x(value) + 4:.1f}" y="{cursor + 12}" class="tick">{value:,.1f}</text>'
                )
            cursor += 16
        if reference and reference[r] is not None and pd.notna(reference[r]):
            parts.append(
                f'<line x1="{x(reference[r]):.1f}" y1="{group_top}" x2="{x(reference[r]):.1f}" '
                f'y2="{cursor}" class="reference"><title>SLA {reference[r]:,.0f}</title></line>'
            )
        cursor += 8
    svg = f'<svg viewBox="0 0 {WIDTH} {height}" role="img">{"".join(parts)}</svg>'
    legend_names = names + (["SLA"] if reference else [])
    return svg + _legend(legend_names, PALETTE[: len(names)] + (["#222"] if reference else []))


def table(frame: pd.DataFrame, columns: dict[str, str], empty: str) -> str:
    if frame.empty:
        return f'<p class="empty">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(label)}</th>" for label in columns.values())
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column in columns:
            value = getattr(row, column)
            if isinstance(value, float):
                text = "" if pd.isna(value) else f"{value:,.1f}"
            elif isinstance(value, (bool,)):
                text = "yes" if value else "no"
            else:
                text = (
                    ""
                    if value is None or (isinstance(value, float) and pd.isna(value))
                    else str(value)
                )
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append(f'<tr class="mark">{"".join(cells)}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ---- figures ---------------------------------------------------------------


def segment_key(segment_type: str, segment_value: str) -> str:
    return f"{segment_type}: {segment_value}"


def _series(frame: pd.DataFrame, dates: list[dt.date], column: str) -> list[float | None]:
    by_date = dict(zip(frame["month"], frame[column], strict=False))
    values = [by_date.get(d) for d in dates]
    return [None if v is None or pd.isna(v) else float(v) for v in values]


def build_figures(marts: Marts) -> tuple[list[Figure], list[str], dict]:
    """The page's figures, the segment keys (ledger first) and facts for the header."""
    monthly = marts.query(
        "select period_start_date, period_end_date, is_closed, is_partial_period, segment_type, "
        "segment_value, dso_days, best_possible_dso_days, add_days, cei_pct, ar_end, "
        "bucket_1_ar_end, bucket_2_ar_end, bucket_3_ar_end, bucket_4_ar_end, bucket_5_ar_end, "
        "bucket_6_ar_end from rpt_kpis_monthly"
    )
    monthly["month"] = monthly["period_start_date"].map(_date)
    # Trends show whole months: a month cut short by the extract date (a few
    # days of sales) would show a DSO of hundreds of days.
    dates = sorted(monthly.loc[~monthly.is_partial_period.astype(bool), "month"].unique())
    latest_month = max(monthly["month"])
    segments = (
        monthly[["segment_type", "segment_value"]]
        .drop_duplicates()
        .assign(order=lambda f: (f.segment_type != "ledger").astype(int))
        .sort_values(["order", "segment_type", "segment_value"])
    )
    pairs = list(zip(segments.segment_type, segments.segment_value, strict=False))
    keys = [segment_key(t, v) for t, v in pairs]
    bands = marts.query(
        "select segment_type, segment_value, kpi_name, max(benchmark_good_min_value) as lo, "
        "max(benchmark_good_max_value) as hi, max(benchmark_description) as label "
        "from rpt_kpi_values where period_grain = 'month' "
        "and kpi_name in ('dso_days', 'cei_pct') group by 1, 2, 3"
    )
    band_of = {
        (segment_key(r.segment_type, r.segment_value), r.kpi_name): (r.lo, r.hi, r.label)
        for r in bands.itertuples()
    }
    buckets = marts.query(
        "select distinct aging_bucket_order, aging_bucket from fct_ar_aging_snapshots "
        "where as_of_date = (select max(as_of_date) from fct_ar_aging_snapshots) "
        "order by 1"
    )
    bucket_names = dict(zip(buckets.aging_bucket_order, buckets.aging_bucket, strict=False))
    labels = [bucket_names.get(i, f"bucket {i}") for i in range(1, 7)]
    first, last = dates[0], dates[-1]
    span = f"whole months {first:%Y-%m} to {last:%Y-%m}"
    grouped = {key: frame for key, frame in monthly.groupby(["segment_type", "segment_value"])}

    def per_segment(render) -> dict[str, str]:
        return {segment_key(t, v): render(grouped[(t, v)], segment_key(t, v)) for t, v in pairs}

    def band(key: str, kpi: str):
        lo, hi, label = band_of.get((key, kpi), (None, None, None))
        if lo is None and hi is None or (pd.isna(lo) and pd.isna(hi)):
            return None, ""
        lo = None if lo is None or pd.isna(lo) else float(lo)
        hi = None if hi is None or pd.isna(hi) else float(hi)
        return (lo, hi), f"benchmark: {label}"

    figures = [
        Figure(
            "dso",
            "DSO, best possible DSO and ADD",
            f"Per month ({span}); days. The shaded band is the segment's DSO benchmark range.",
            "dso",
            "",
            per_segment(
                lambda f, key: line_chart(
                    dates,
                    {
                        "DSO": _series(f, dates, "dso_days"),
                        "best possible DSO": _series(f, dates, "best_possible_dso_days"),
                        "ADD": _series(f, dates, "add_days"),
                    },
                    "days",
                    *band(key, "dso_days"),
                )
            ),
        ),
        Figure(
            "cei",
            "Collection effectiveness index (CEI)",
            f"Per month ({span}); percent. The shaded band is the benchmark's good range.",
            "cei",
            "",
            per_segment(
                lambda f, key: line_chart(
                    dates, {"CEI": _series(f, dates, "cei_pct")}, "percent", *band(key, "cei_pct")
                )
            ),
        ),
        Figure(
            "aging",
            "Aging by bucket over time",
            f"Open invoices and debit memos at each month end ({span}), stacked by days past "
            "due; reporting currency.",
            "aging",
            "",
            per_segment(
                lambda f, key: stacked_bars(
                    dates,
                    {
                        label: [v or 0 for v in _series(f, dates, f"bucket_{i}_ar_end")]
                        for i, label in enumerate(labels, 1)
                    },
                    "reporting currency",
                )
            ),
        ),
    ]
    # Latest aging by segment: bucket shares at the latest month, per segment value.
    latest = monthly[
        (monthly.month == latest_month)
        & monthly.segment_type.isin(
            ["company", "industry", "region", "customer_size_band", "risk_tier"]
        )
    ]
    rows = []
    for r in latest.sort_values(["segment_type", "segment_value"]).itertuples():
        total = r.ar_end if r.ar_end and r.ar_end > 0 else None
        shares = [
            (getattr(r, f"bucket_{i}_ar_end") or 0) / total * 100 if total else None
            for i in range(3, 7)
        ]
        past_30 = sum(s for s in shares if s) if total else None
        rows.append(
            (
                f"{r.segment_type}: {r.segment_value}",
                [max(past_30, 0) if past_30 is not None else None],
            )
        )
    figures.append(
        Figure(
            "aging_by_segment",
            "Latest aging by segment: share more than 30 days past due",
            f"At the extract date (month {latest_month:%Y-%m}), per company, industry, region, size "
            "band and risk tier; percent of the segment's AR in the buckets past 30 days.",
            "aging",
            bar_rows(rows, ["past 30 days"], "percent of AR"),
        )
    )
    divergence = marts.query(
        "select period_start_date, segment_type, segment_value, pattern, severity, cei_min, cei_max, "
        "dso_slope, rising_quarters, reason, recommended_response from rpt_cei_dso_divergence "
        "where pattern <> 'none' order by period_start_date desc, severity, segment_type, segment_value"
    )
    if not divergence.empty:
        latest_quarter = divergence.period_start_date.max()
        divergence = divergence[divergence.period_start_date == latest_quarter]
        quarter = pd.Timestamp(latest_quarter)
        period = f"quarter {quarter.year}-Q{(quarter.month - 1) // 3 + 1}"
    else:
        period = "no quarter flagged"
    figures.append(
        Figure(
            "divergence",
            "CEI-DSO divergence flags",
            f"Flags of the latest flagged quarter ({period}) with their evidence: CEI range "
            "(percent), DSO slope (days per quarter) over the 4-quarter window.",
            "divergence",
            table(
                divergence,
                {
                    "segment_type": "segment type",
                    "segment_value": "segment",
                    "pattern": "pattern",
                    "severity": "severity",
                    "cei_min": "CEI min",
                    "cei_max": "CEI max",
                    "dso_slope": "DSO slope",
                    "reason": "evidence",
                    "recommended_response": "response",
                },
                "No segment is flagged.",
            ),
        )
    )
    compliance = marts.query(
        "select segment_type, segment_value, collection_rule, period_start_date, compliance_pct "
        "from rpt_collection_compliance where period_grain = 'month' and is_closed"
    )
    compliance["month"] = compliance.period_start_date.map(_date)
    closed = compliance.month.max() if not compliance.empty else None
    rules = sorted(compliance.collection_rule.unique()) if not compliance.empty else []

    def compliance_chart(_, key: str) -> str:
        rows = compliance[
            (compliance.month == closed)
            & (compliance.segment_type + ": " + compliance.segment_value == key)
        ]
        values = dict(zip(rows.collection_rule, rows.compliance_pct, strict=False))
        return bar_rows(
            [(rule.replace("_", " "), [values.get(rule)]) for rule in rules],
            ["compliance"],
            "percent",
        )

    figures.append(
        Figure(
            "compliance",
            "Collection-rule compliance",
            f"Latest closed month ({closed:%Y-%m}); percent of triggered actions carried out."
            if closed
            else "No closed month yet.",
            "compliance",
            "",
            per_segment(compliance_chart),
        )
    )
    worklist = marts.query(
        "select worklist_action, count(*) as item_count, max(worklist_date) as worklist_date "
        "from rpt_collection_worklist group by 1 order by 1"
    )
    on = _date(worklist.worklist_date.max()) if not worklist.empty else None
    figures.append(
        Figure(
            "worklist",
            "Today's worklist",
            f"Actions due at the extract date ({on}); number of accounts."
            if on
            else "Nothing due.",
            "worklist",
            bar_rows(
                [
                    (a.replace("_", " "), [float(n)])
                    for a, n in zip(worklist.worklist_action, worklist.item_count, strict=False)
                ],
                ["accounts"],
                "accounts",
            ),
        )
    )
    effectiveness = marts.query(
        "select segment_type, segment_value, period_start_date, promise_kept_rate_pct, "
        "right_party_contact_rate_pct from rpt_collection_effectiveness "
        "where period_grain = 'month'"
    )
    effectiveness["month"] = effectiveness.period_start_date.map(_date)
    effect = {k: f for k, f in effectiveness.groupby(["segment_type", "segment_value"])}
    figures.append(
        Figure(
            "promises",
            "Kept-promise and right-party-contact rates",
            f"Per month ({span}); percent.",
            "promises",
            "",
            {
                segment_key(t, v): line_chart(
                    dates,
                    {
                        "promises kept": _series(effect[(t, v)], dates, "promise_kept_rate_pct"),
                        "right-party contact": _series(
                            effect[(t, v)], dates, "right_party_contact_rate_pct"
                        ),
                    },
                    "percent",
                )
                if (t, v) in effect
                else '<p class="empty">No promises or calls for this segment.</p>'
                for t, v in pairs
            },
        )
    )
    disputes = marts.query(
        "select dispute_type, period_start_date, resolution_median_days, resolution_p90_days, sla_days "
        "from rpt_disputes_by_type where period_grain = 'quarter' and is_closed "
        "and segment_type = 'ledger' and period_start_date = (select max(period_start_date) "
        "from rpt_disputes_by_type where period_grain = 'quarter' and is_closed) order by 1"
    )
    dq = pd.Timestamp(disputes.period_start_date.max()) if not disputes.empty else None
    figures.append(
        Figure(
            "disputes",
            "Dispute resolution against SLA, per type",
            f"Disputes resolved in the latest closed quarter ({dq.year}-Q{(dq.month - 1) // 3 + 1}), "
            "whole ledger; days (median and 90th percentile), the SLA as a line."
            if dq is not None
            else "No closed quarter yet.",
            "disputes",
            bar_rows(
                [
                    (t, [m, p])
                    for t, m, p in zip(
                        disputes.dispute_type,
                        disputes.resolution_median_days,
                        disputes.resolution_p90_days,
                        strict=False,
                    )
                ],
                ["median", "90th percentile"],
                "days",
                reference=list(disputes.sla_days),
            ),
        )
    )
    allowance = marts.query(
        "select segment_type, segment_value, period_start_date, allowance_amount, "
        "simple_method_allowance_amount, allowance_coverage_pct, is_likely_under_reserved, "
        "is_likely_managed_to_earnings from rpt_allowance where period_grain = 'month'"
    )
    allowance["month"] = allowance.period_start_date.map(_date)
    allow = {k: f for k, f in allowance.groupby(["segment_type", "segment_value"])}

    def allowance_view(t: str, v: str) -> str:
        if (t, v) not in allow:
            return '<p class="empty">No allowance for this segment.</p>'
        f = allow[(t, v)]
        flags = f[(f.is_likely_under_reserved == True) | (f.is_likely_managed_to_earnings == True)]  # noqa: E712
        flags = (
            flags.sort_values("month", ascending=False)
            .head(6)
            .assign(month_text=lambda g: g.month.map(lambda d: f"{d:%Y-%m}"))
        )
        return line_chart(
            dates,
            {
                "allowance (provision matrix)": _series(f, dates, "allowance_amount"),
                "simple loss-rate method": _series(f, dates, "simple_method_allowance_amount"),
            },
            "reporting currency",
        ) + table(
            flags,
            {
                "month_text": "month",
                "allowance_coverage_pct": "coverage % of AR",
                "is_likely_under_reserved": "likely under-reserved",
                "is_likely_managed_to_earnings": "likely managed to earnings",
            },
            "No adequacy flag raised.",
        )

    figures.append(
        Figure(
            "allowance",
            "Allowance for doubtful accounts and adequacy flags",
            f"At each month end ({span}); reporting currency; the latest months with an adequacy "
            "flag below.",
            "allowance",
            "",
            {segment_key(t, v): allowance_view(t, v) for t, v in pairs},
        )
    )
    build_vars = json.loads(marts.query("select build_vars from rpt_build_info").iloc[0, 0])
    facts = {
        "first_month": f"{first:%Y-%m}",
        "last_month": f"{last:%Y-%m}",
        "segments": len(keys),
        "definitions": definitions(build_vars),
    }
    return figures, keys, facts


# ---- page ------------------------------------------------------------------

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#14365d;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85}main{display:grid;grid-template-columns:repeat(auto-fill,minmax(780px,1fr));gap:18px;padding:18px 28px}
figure{background:#fff;margin:0;padding:14px 16px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
figure h2{font-size:16px;margin:0 0 2px}figcaption{color:#555;font-size:12.5px;margin-bottom:8px}
figcaption a{color:#1f5fa8}svg{width:100%;height:auto}
.axis{stroke:#888}.grid{stroke:#eee}.tick{font-size:10.5px;fill:#555}.unit{font-size:11px;fill:#333}
.line{fill:none;stroke-width:2}.band{fill:#d9ead3;opacity:.8}.reference{stroke:#222;stroke-width:2;stroke-dasharray:4 3}
.legend{font-size:12px;color:#333}.key{margin-right:14px;white-space:nowrap}.key i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-2px;border-radius:2px}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
.empty{color:#777;font-style:italic}.controls{padding:12px 28px 0}select{font-size:14px;padding:4px}
#definitions{padding:0 28px 28px}#definitions dt{font-weight:600;margin-top:8px}#selftest{display:none}
"""

SCRIPT = """
window.__rpmErrors = [];
window.addEventListener('error', function (e) { window.__rpmErrors.push(String(e.message)); });
(function () {
  var original = console.error;
  console.error = function () {
    window.__rpmErrors.push(Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
  var select = document.getElementById('segment');
  function show(key) {
    document.querySelectorAll('[data-segment]').forEach(function (el) {
      el.hidden = el.getAttribute('data-segment') !== key;
    });
    var charts = {};
    document.querySelectorAll('figure[data-chart]').forEach(function (figure) {
      var marks = Array.prototype.filter.call(figure.querySelectorAll('.mark'), function (m) {
        return !m.closest('[hidden]');
      });
      charts[figure.getAttribute('data-chart')] = marks.length;
    });
    document.getElementById('selftest').textContent =
      JSON.stringify({segment: key, charts: charts, errors: window.__rpmErrors});
  }
  select.addEventListener('change', function () { show(select.value); });
  // #segment=<type: value> opens the page on that segment.
  if (location.hash.indexOf('#segment=') === 0) {
    select.value = decodeURIComponent(location.hash.slice(9));
  }
  show(select.value);
})();
"""


def render(figures: list[Figure], keys: list[str], facts: dict, source: str) -> str:
    options = "".join(f'<option value="{html.escape(k)}">{html.escape(k)}</option>' for k in keys)
    blocks = []
    for figure in figures:
        if figure.per_segment:
            body = "".join(
                f'<div data-segment="{html.escape(k)}"{" hidden" if i else ""}>{v}</div>'
                for i, (k, v) in enumerate(figure.per_segment.items())
            )
            scope = " Segment: the selector above."
        else:
            body, scope = figure.body, ""
        title = facts["definitions"][figure.definition][0]
        blocks.append(
            f'<figure data-chart="{figure.chart_id}" id="{figure.chart_id}"><h2>{html.escape(figure.title)}</h2>'
            f"<figcaption>{html.escape(figure.caption)}{scope} "
            f'<a href="#def-{figure.definition}">Definition: {html.escape(title)}</a></figcaption>'
            f"{body}</figure>"
        )
    definitions = "".join(
        f'<dt id="def-{key}">{html.escape(name)}</dt><dd>{html.escape(text)}</dd>'
        for key, (name, text) in facts["definitions"].items()
    )
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Receivables dashboard</title><style>{STYLE}</style></head><body>"
        f"<header><h1>Receivables performance</h1><p>Ledger months {facts['first_month']} to "
        f"{facts['last_month']} &middot; {facts['segments']} segments &middot; from {html.escape(source)} "
        f"&middot; generated {generated}</p></header>"
        f'<div class="controls"><label for="segment">Segment </label><select id="segment">{options}</select></div>'
        f"<main>{''.join(blocks)}</main>"
        f'<section id="definitions"><h2>Definitions</h2><dl>{definitions}</dl></section>'
        f'<pre id="selftest"></pre><script>{SCRIPT}</script></body></html>'
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rpm-dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duckdb", type=Path, default=Path(os.environ.get("AR_DUCKDB_PATH", "data/rpm.duckdb"))
    )
    parser.add_argument(
        "--postgres", action="store_true", help="read the marts from Postgres (RPM_PG_*)"
    )
    parser.add_argument(
        "--schema-prefix",
        help="read the marts a development target published, PREFIX_marts (dbt targets not in "
        "the var rpm_prod_targets prefix their schemas with their own schema; default: marts)",
    )
    parser.add_argument("--out", type=Path, default=Path("reports/dashboard.html"))
    args = parser.parse_args(argv)
    error = schema_prefix_error("rpm-dashboard", args.schema_prefix)
    if error:
        print(error, file=sys.stderr)
        return 2
    schema = schema_name("marts", args.schema_prefix)
    if not args.postgres and not args.duckdb.exists():
        print(f"rpm-dashboard: no database at {args.duckdb}: run `make run` first", file=sys.stderr)
        return 2
    postgres = (
        {
            "host": os.environ.get("RPM_PG_HOST", "127.0.0.1"),
            "port": int(os.environ.get("RPM_PG_PORT", "55432")),
            "dbname": os.environ.get("RPM_PG_DATABASE", "rpm"),
            "user": os.environ.get("RPM_PG_USER", "rpm_owner"),
            "password": os.environ.get("RPM_PG_PASSWORD", ""),
        }
        if args.postgres
        else None
    )
    try:
        marts = Marts(args.duckdb, postgres=postgres, schema=schema)
    except DatabaseInUse as error:
        print(error, file=sys.stderr)
        return 2
    source = (
        f"Postgres {os.environ.get('RPM_PG_DATABASE', 'rpm')} (schema {schema})"
        if args.postgres
        else f"{args.duckdb.name} (schema {schema})"
    )
    figures, keys, facts = build_figures(marts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(figures, keys, facts, source), encoding="utf-8")
    print(f"dashboard: {args.out.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
