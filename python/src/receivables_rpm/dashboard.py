"""receivables-dashboard: a static, self-contained HTML dashboard from the public marts.

Reads only the schema `marts` (what BI tools read; a development target's
`<prefix>_marts` with --schema-prefix), from the DuckDB file (AR_DUCKDB_PATH)
or from Postgres (--postgres: RPM_PG_* variables), and writes
one HTML file: charts are SVG drawn here, the segment selector and the page's
self-check are a few lines of inline script, nothing is fetched from a
network. Every figure says what it shows, its period and unit, and links to
the KPI's definition at the end of the page.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from receivables_rpm import cli, schema_name, schema_prefix_error
from receivables_rpm.duckdb_lock import DatabaseInUse

PROG = "receivables-dashboard"

PALETTE = ["#1f5fa8", "#e07b00", "#2e8b57", "#b8860b", "#c0392b", "#6c3483", "#5d6d7e"]
BUCKET_COLOURS = ["#2e8b57", "#9acd32", "#f1c40f", "#e67e22", "#d35400", "#922b21"]
# Cash, credit memos, discounts, net write-offs, other: write-offs in red.
SETTLEMENT_COLOURS = ["#1f5fa8", "#e07b00", "#2e8b57", "#c0392b", "#6c3483"]


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
        "scorecard": (
            "Scorecard",
            "The KPIs below for the latest closed month and quarter (a period closes "
            f"{v.get('close_lag_days', 5)} days after its end), coloured by the "
            "status of the benchmark seed kpi_benchmarks.",
        ),
        "aging": (
            "Aging by bucket",
            "Open INV/DM balances at period end by days past due (seed aging_buckets), "
            "in the reporting currency; events dated after the period end do not count.",
        ),
        "past_60": (
            f"Aging % past {v['past_due_kpi_days']}",
            f"AR more than {v['past_due_kpi_days']} days past due (var past_due_kpi_days) / AR, "
            "at period end.",
        ),
        "bad_debt": (
            "Bad debt ratio",
            "Net write-offs (write-offs minus recoveries, dated in the period) / net credit sales.",
        ),
        "payment": (
            "Days beyond terms and days to pay",
            "Over invoices and debit memos paid in the period without a write-off: the mean of "
            "application date - due date (days beyond terms) and of application date - document "
            "date (days to pay), each receipt application weighted by its amount.",
        ),
        "v2_kpis": (
            "Spec v2 KPIs",
            "Cash-only CEI = cash applied / (AR begin + credit sales - current AR end); within "
            f"terms = share of paid amount applied by the due date plus {v.get('terms_grace_days', 0)} "
            "grace days; cohort at-risk = (balance at the end of m+3 + net write-offs) / amount "
            "billed in m; AR over limit = AR of customers over their credit limit / AR of customers "
            "with a usable limit; cash conversion cycle = DSO + DIO - DPO.",
        ),
        "settlement": (
            "Settlement mix",
            "How the INV/DM balances fell in the period: cash (receipt applications net of "
            "reversals), credit memos, discounts, net write-offs (write-offs minus recoveries) "
            "and other adjustments; together they equal AR begin + credit sales - AR end exactly.",
        ),
        "delivery": (
            "Invoice delivery by channel",
            "Over invoices and debit memos paid in the period without a write-off, per the "
            "channel they were sent by: days beyond terms and days to pay, each receipt "
            "application weighted by its amount; electronic channels are email, portal and edi.",
        ),
        "forecast_error": (
            "Forecast error in days",
            "Mean absolute error between the expected and the actual settlement date, weighted by "
            "the balance at the previous month end; baselines: the due date, and the due date plus "
            "the customer's trailing 12-month days beyond terms.",
        ),
        "rollforward": (
            "AR roll-forward and GL reconciliation",
            "AR begin + credit sales - cash applied - credit memos - discounts - write-offs - "
            "other adjustments + reversals + recoveries = AR end, exactly; the subledger's net AR "
            "against the GL's AR control account at each month end.",
        ),
        "top_overdue": (
            "Top overdue customers",
            "Open INV/DM balances past their due date at the extract date, per customer.",
        ),
        "forecast": (
            "Cash forecast",
            "Each open invoice's expected collection date from the customer's payment history, "
            "promises and disputes (DECISIONS.md D42, D83), summed per week.",
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
            from receivables_rpm import duckdb_lock

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
    """About `count` round values from lo to hi: steps of 1, 2, 2.5 or 5 times
    a power of ten, however narrow the range."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step - 1e-9)
    return [round(i * step, 12) for i in range(first, math.floor(hi / step + 1e-9) + 1)]


def _number(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:,.0f}k"
    if abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 1 or value == 0 else f"{value:.2g}"


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


def data_view(header: list[str], rows: list[list]) -> str:
    """A chart's data as a table under a disclosure, with a CSV download
    (the page's script turns the table into a file: nothing is stored twice)."""
    if not rows:
        return ""

    def cell(value) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value)

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return (
        '<details class="data"><summary>Data</summary>'
        '<button type="button" class="csv">Download CSV</button>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def _value_text(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value:,.1f} %"
    if unit == "days":
        return f"{value:,.1f} days"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def line_chart(
    dates: list[dt.date],
    series: dict[str, list[float | None]],
    unit: str,
    band: tuple[float | None, float | None] | None = None,
    band_label: str = "",
    flags: list[tuple[int, str]] | None = None,
) -> str:
    """Lines over months, each point's value on hover; a shaded band for the
    benchmark's good range; flags: (month index, text) marked as dashed
    vertical lines. The axis spans the data and the band, not zero."""
    values = [v for vs in series.values() for v in vs if v is not None and pd.notna(v)]
    if not values or not dates:
        return '<p class="empty">No values for this segment.</p>'
    lo, hi = min(values), max(values)
    if band:
        lo = min(lo, *(b for b in band if b is not None))
        hi = max(hi, *(b for b in band if b is not None))
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    lo, hi = (lo - pad if lo - pad > 0 or lo < 0 else 0.0), hi + pad
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
    y_ticks = [(y(t), _number(t)) for t in _ticks(lo, hi) if t >= lo]
    parts.append(_axes(_month_labels(dates, x), y_ticks, unit))
    for index, text in flags or []:
        parts.append(
            f'<line x1="{x(index):.1f}" y1="{TOP}" x2="{x(index):.1f}" y2="{HEIGHT - BOTTOM}" '
            f'class="flag"><title>{html.escape(text)}</title></line>'
        )
    for (name, vs), colour in zip(series.items(), PALETTE, strict=False):
        points = [(i, x(i), y(v), v) for i, v in enumerate(vs) if v is not None and pd.notna(v)]
        if not points:
            continue
        path = " ".join(
            f"{'M' if n == 0 else 'L'}{px:.1f},{py:.1f}" for n, (_, px, py, _) in enumerate(points)
        )
        parts.append(
            f'<path d="{path}" class="mark line" stroke="{colour}"><title>{html.escape(name)}</title></path>'
        )
        parts.extend(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}" class="point">'
            f"<title>{dates[i]:%Y-%m} {html.escape(name)}: {_value_text(v, unit)}</title></circle>"
            for i, px, py, v in points
        )
    svg = f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{"".join(parts)}</svg>'
    names = list(series) + ([band_label] if band else [])
    colours = PALETTE[: len(series)] + (["#d9ead3"] if band else [])
    rows = [[f"{d:%Y-%m}", *(vs[i] for vs in series.values())] for i, d in enumerate(dates)]
    return svg + _legend(names, colours) + data_view(["month", *series], rows)


def stacked_bars(
    dates: list[dt.date],
    stacks: dict[str, list[float]],
    unit: str,
    colours: list[str] = BUCKET_COLOURS,
    empty: str = "No open receivables for this segment.",
) -> str:
    totals = [sum(max(s[i] or 0, 0) for s in stacks.values()) for i in range(len(dates))]
    if not dates or max(totals, default=0) <= 0:
        return f'<p class="empty">{html.escape(empty)}</p>'
    hi = max(totals) * 1.08
    step = (WIDTH - LEFT - RIGHT) / len(dates)
    x = lambda i: LEFT + step * (i + 0.5)  # noqa: E731
    y = _scale(0, hi, HEIGHT - BOTTOM, TOP)
    parts = [_axes(_month_labels(dates, x), [(y(t), _number(t)) for t in _ticks(0, hi)], unit)]
    for i, day in enumerate(dates):
        base = 0.0
        for (name, values), colour in zip(stacks.items(), colours, strict=False):
            value = max(values[i] or 0, 0)
            if value <= 0:
                continue
            parts.append(
                f'<rect x="{x(i) - step * 0.4:.1f}" y="{y(base + value):.1f}" '
                f'width="{step * 0.8:.1f}" height="{y(base) - y(base + value):.1f}" '
                f'fill="{colour}" class="mark"><title>{day:%Y-%m} {html.escape(name)}: '
                f"{_value_text(value, unit)}</title></rect>"
            )
            base += value
    svg = f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img">{"".join(parts)}</svg>'
    rows = [[f"{d:%Y-%m}", *(vs[i] for vs in stacks.values())] for i, d in enumerate(dates)]
    return svg + _legend(list(stacks), colours) + data_view(["month", *stacks], rows)


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
    # A negative value (paid early) draws left of the zero line.
    lo, hi = min(min(values), 0) * 1.1, max(max(values), 0) * 1.1
    x = _scale(lo, hi, left, WIDTH - RIGHT)
    zero = x(0)
    parts = [
        f'<line x1="{zero:.1f}" y1="{TOP}" x2="{zero:.1f}" y2="{height - BOTTOM}" class="axis"/>',
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
                    f'<rect x="{min(x(value), zero):.1f}" y="{cursor + 2}" '
                    f'width="{max(abs(x(value) - zero), 1):.1f}" height="12" '
                    f'fill="{colour}" class="mark"><title>{html.escape(label)} {html.escape(name)}: '
                    f"{value:,.1f}</title></rect>"
                    f'<text x="{max(x(value), zero) + 4:.1f}" y="{cursor + 12}" class="tick">'
                    f"{value:,.1f}</text>"
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
    data = [
        [label, *vs, *([reference[r]] if reference else [])] for r, (label, vs) in enumerate(rows)
    ]
    return (
        svg
        + _legend(legend_names, PALETTE[: len(names)] + (["#222"] if reference else []))
        + data_view(["", *legend_names], data)
    )


def html_table(
    header: list[str], rows: list[list[str]], table_class: str = "", csv: bool = True
) -> str:
    """A table of HTML cells (escaped by the caller), each row a data mark;
    with a CSV download button unless csv is false."""
    head = "".join(f"<th>{html.escape(label)}</th>" for label in header)
    body = "".join(
        '<tr class="mark">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
        for cells in rows
    )
    css = f' class="{table_class}"' if table_class else ""
    markup = f"<table{css}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if not csv:
        return markup
    return (
        '<div class="tableview"><button type="button" class="csv">Download CSV</button>'
        f"{markup}</div>"
    )


def _cell_text(value) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:,.1f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def table(frame: pd.DataFrame, columns: dict[str, str], empty: str) -> str:
    if frame.empty:
        return f'<p class="empty">{html.escape(empty)}</p>'
    rows = [
        [html.escape(_cell_text(getattr(row, column))) for column in columns]
        for row in frame.itertuples(index=False)
    ]
    return html_table(list(columns.values()), rows)


# ---- figures ---------------------------------------------------------------


def segment_key(segment_type: str, segment_value: str) -> str:
    return f"{segment_type}: {segment_value}"


def _series(frame: pd.DataFrame, dates: list[dt.date], column: str) -> list[float | None]:
    by_date = dict(zip(frame["month"], frame[column], strict=False))
    values = [by_date.get(d) for d in dates]
    return [None if v is None or pd.isna(v) else float(v) for v in values]


# The scorecard's KPIs: (label, column, status column, unit).
SCORECARD = [
    ("AR at period end", "ar_end", None, "money"),
    ("DSO", "dso_days", "dso_days_status", "days"),
    ("CEI", "cei_pct", "cei_pct_status", "percent"),
    ("% past due (KPI threshold)", "pct_past_60", "pct_past_60_status", "percent"),
    ("Bad debt ratio", "bad_debt_ratio_pct", "bad_debt_ratio_pct_status", "percent"),
    ("ADD", "add_days", "add_days_status", "days"),
    ("Days beyond terms", "days_beyond_terms_days", None, "days"),
]
# Spec v2's KPIs in the table beside the scorecard: (label, column, unit).
V2_KPIS = [
    ("Cash-only CEI", "cash_only_cei_pct", "percent"),
    ("Paid within terms", "within_terms_share_pct", "percent"),
    ("Billing-cohort at-risk rate (months only)", "cohort_at_risk_rate_pct", "percent"),
    ("AR over credit limit", "over_limit_ar_share_pct", "percent"),
    ("Forecast error", "forecast_error_days", "days"),
    ("Forecast gain vs due date", "forecast_gain_vs_due_days", "days"),
    ("Forecast gain vs due + days beyond terms", "forecast_gain_vs_dbt_days", "days"),
    ("Electronic delivery (share of amount)", "electronic_delivery_share_amount_pct", "percent"),
    ("Median days to send an invoice", "invoice_delivery_median_days", "days"),
    ("Cash conversion cycle", "cash_conversion_cycle_days", "days"),
]
# The settlement mix's parts, in the order of the spec: (label, column).
SETTLEMENT = {
    "cash": "settled_cash",
    "credit memos": "settled_credit_memos",
    "discounts": "settled_discounts",
    "net write-offs": "net_write_offs",
    "other adjustments": "settled_other",
}
SCORE_COLUMNS = ", ".join(
    ["segment_type", "segment_value"]
    + [column for _, value, status, _ in SCORECARD for column in (value, status) if column]
    + [column for _, column, _ in V2_KPIS]
)
STATUS_CLASS = {"good": "good", "watch": "watch"}  # any other status is a problem


def _quarter_label(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _shares(frame: pd.DataFrame, dates: list[dt.date], column: str) -> list[float]:
    """A bucket's share of the month's AR, in percent (0 where AR <= 0)."""
    ar = _series(frame, dates, "ar_end")
    part = _series(frame, dates, column)
    return [
        (p or 0) / a * 100 if a is not None and a > 0 else 0.0
        for p, a in zip(part, ar, strict=True)
    ]


def delivery_figure(
    marts: Marts, monthly: pd.DataFrame, quarterly: pd.DataFrame, keys: list[str]
) -> Figure:
    """Days beyond terms and days to pay per delivery channel, for the latest
    closed quarter, per segment (rpt_invoice_delivery_channels)."""
    _, starts = _closed_periods(monthly, quarterly)["quarter"]
    channels = marts.query(
        "select period_start_date, segment_type, segment_value, delivery_channel, "
        "paid_document_count, days_beyond_terms_days, days_to_pay_days "
        "from rpt_invoice_delivery_channels where period_grain = 'quarter' "
        "order by delivery_channel"
    )
    quarter = starts[-1] if starts else None
    channels = channels[channels.period_start_date.map(_date) == quarter]
    grouped = dict(iter(channels.groupby(channels.segment_type + ": " + channels.segment_value)))

    def chart(key: str) -> str:
        mine = grouped.get(key)
        if mine is None:
            return '<p class="empty">No paid documents in this segment.</p>'
        rows = [
            (
                f"{r.delivery_channel} ({r.paid_document_count:,} paid)",
                [r.days_beyond_terms_days, r.days_to_pay_days],
            )
            for r in mine.itertuples()
        ]
        return bar_rows(rows, ["days beyond terms", "days to pay"], "days")

    period = _quarter_label(quarter) if quarter else "no closed quarter"
    return Figure(
        "delivery",
        f"Invoice delivery: days to pay by channel, {period}",
        "Per delivery channel ('(none)': no channel in the extract), over the documents paid in "
        "the latest closed quarter; days, amount-weighted (spec v2). Negative days beyond terms: "
        "paid early.",
        "delivery",
        "",
        {key: chart(key) for key in keys},
    )


def _change(now, before, unit: str) -> str:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return ""
    if unit == "money":
        return f"{(now - before) / abs(before) * 100:+.1f} %" if before else ""
    return f"{now - before:+.1f}" + (" pts" if unit == "percent" else " d")


def _score_value(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return _number(float(value)) if unit == "money" else _value_text(float(value), unit)


def _closed_periods(monthly: pd.DataFrame, quarterly: pd.DataFrame) -> dict:
    """{grain: (closed rows with their start date, the closed starts in order)}."""
    frames = {}
    for grain, frame in (("month", monthly), ("quarter", quarterly)):
        frame = frame.assign(start=frame.period_start_date.map(_date))
        closed = frame[frame.is_closed.astype(bool)]
        frames[grain] = (closed, sorted(closed.start.unique()))
    return frames


def v2_figure(monthly: pd.DataFrame, quarterly: pd.DataFrame, keys: list[str]) -> Figure:
    """Spec v2's KPIs for the latest closed month and quarter per segment."""
    frames = _closed_periods(monthly, quarterly)

    def card(key: str) -> str:
        head, rows = ["KPI"], {name: [html.escape(name)] for name, *_ in V2_KPIS}
        for grain, (closed, starts) in frames.items():
            if not starts:
                continue
            mine = closed[closed.segment_type + ": " + closed.segment_value == key].set_index(
                "start"
            )
            head.append(f"{starts[-1]:%Y-%m}" if grain == "month" else _quarter_label(starts[-1]))
            for name, column, unit in V2_KPIS:
                rows[name].append(html.escape(_score_value(mine[column].get(starts[-1]), unit)))
        return html_table(head, list(rows.values()))

    return Figure(
        "v2_kpis",
        "Spec v2 KPIs: latest closed month and quarter",
        "Cash-only CEI, payment within terms, the billing-cohort at-risk rate, credit-limit use, "
        "forecast error in days and its gains over the two naive baselines, invoice delivery and "
        "the cash conversion cycle (per company and for the ledger only); n/a where the extract "
        "lacks the input (the wide marts name the reason).",
        "v2_kpis",
        "",
        {key: card(key) for key in keys},
    )


def scorecard_figure(monthly: pd.DataFrame, quarterly: pd.DataFrame, keys: list[str]) -> Figure:
    """The latest closed month and quarter per segment: each KPI with its
    status colour and its change against the previous period and a year
    before."""
    frames = _closed_periods(monthly, quarterly)

    def label(grain: str, day: dt.date) -> str:
        return f"{day:%Y-%m}" if grain == "month" else _quarter_label(day)

    def card(key: str) -> str:
        head, rows = ["KPI"], {name: [html.escape(name)] for name, *_ in SCORECARD}
        for grain, (closed, starts) in frames.items():
            if not starts:
                continue
            latest = starts[-1]
            previous = starts[-2] if len(starts) > 1 else None
            year_before = latest.replace(year=latest.year - 1)
            mine = closed[closed.segment_type + ": " + closed.segment_value == key].set_index(
                "start"
            )
            head += [
                label(grain, latest),
                f"vs {label(grain, previous) if previous else '-'}",
                f"vs {label(grain, year_before)}",
            ]
            for name, column, status, unit in SCORECARD:
                value = mine[column].get(latest)
                state = mine[status].get(latest) if status else None
                css = STATUS_CLASS.get(state, "alert") if isinstance(state, str) else "plain"
                hint = f"status: {state}" if isinstance(state, str) else "no benchmark"
                rows[name] += [
                    f'<span class="score {css}" title="{html.escape(hint)}">'
                    f"{html.escape(_score_value(value, unit))}</span>",
                    html.escape(_change(value, mine[column].get(previous), unit)),
                    html.escape(_change(value, mine[column].get(year_before), unit)),
                ]
        return html_table(head, list(rows.values()), table_class="scorecard", csv=False)

    return Figure(
        "scorecard",
        "Scorecard: latest closed month and quarter",
        "Each KPI of the latest closed month and quarter, coloured by its benchmark status "
        "(green good, amber watch, red worse; grey: no benchmark), with its change against the "
        "previous period and the same period a year before (AR in percent, percentages in "
        "points, days in days).",
        "scorecard",
        "",
        {key: card(key) for key in keys},
    )


def ledger_figures(marts: Marts, past_due_days: int) -> list[Figure]:
    """Whole-ledger figures: the roll-forward and GL status, the top overdue
    customers and the cash forecast by week."""
    rollforward = marts.query(
        "select period_start_date, sum(ar_begin_reporting) as ar_begin, "
        "sum(credit_sales_reporting) as sales, sum(cash_applied_reporting) as cash, "
        "sum(credit_memo_applied_reporting + discounts_reporting) as credits, "
        "sum(write_offs_reporting - recoveries_reporting) as net_write_offs, "
        "sum(other_adjustments_reporting - reversals_reporting) as other, "
        "sum(ar_end_reporting) as ar_end from rpt_ar_rollforward_monthly "
        "group by 1 order by 1 desc limit 6"
    ).assign(month=lambda f: f.period_start_date.map(lambda d: f"{_date(d):%Y-%m}"))
    gl = marts.query(
        "select company_code, period_end_date, net_ar_reporting, gl_balance_reporting, "
        "difference_reporting, reconciliation_status from rpt_gl_reconciliation_monthly "
        "where period_end_date = (select max(period_end_date) from rpt_gl_reconciliation_monthly) "
        "order by company_code"
    )
    gl_month = f"{_date(gl.period_end_date.max())}" if not gl.empty else "none"
    overdue = marts.query(
        "select c.customer_name, a.customer_id, sum(a.open_amount_reporting) as past_due, "
        f"sum(case when a.days_past_due > {int(past_due_days)} then a.open_amount_reporting "
        "else 0 end) as past_60, "
        "max(a.days_past_due) as oldest_days "
        "from fct_ar_aging_snapshots as a join dim_customers as c on a.customer_id = c.customer_id "
        "where a.is_extract_date and a.days_past_due > 0 "
        "group by 1, 2 order by 3 desc, 2 limit 10"
    )
    weeks = marts.query(
        "select period_start_date, sum(expected_amount_reporting) as expected, "
        "sum(overdue_amount_reporting) as overdue from rpt_cash_forecast "
        "where period_grain = 'week' group by 1 order by 1 limit 13"
    )
    money = {"ar_begin", "sales", "cash", "credits", "net_write_offs", "other", "ar_end"}
    return [
        Figure(
            "rollforward",
            "AR roll-forward and GL reconciliation",
            "Whole ledger, reporting currency, the last six months: AR at the start + credit "
            "sales - cash - credit memos and discounts - net write-offs - other and reversals = "
            f"AR at the end. Below, the GL reconciliation of each company at {gl_month}.",
            "rollforward",
            table(
                rollforward.assign(**{c: rollforward[c].astype(float) for c in money}),
                {
                    "month": "month",
                    "ar_begin": "AR begin",
                    "sales": "+ sales",
                    "cash": "- cash",
                    "credits": "- credits",
                    "net_write_offs": "- net write-offs",
                    "other": "- other",
                    "ar_end": "AR end",
                },
                "No roll-forward.",
            )
            + table(
                gl,
                {
                    "company_code": "company",
                    "net_ar_reporting": "net AR",
                    "gl_balance_reporting": "GL balance",
                    "difference_reporting": "difference",
                    "reconciliation_status": "status",
                },
                "No GL balances in the extract.",
            ),
        ),
        Figure(
            "top_overdue",
            "Top overdue customers",
            "At the extract date: the ten customers with the most AR past due, reporting "
            f"currency, with the part more than {past_due_days} days past due and their oldest "
            "item.",
            "top_overdue",
            table(
                overdue,
                {
                    "customer_name": "customer",
                    "customer_id": "id",
                    "past_due": "past due",
                    "past_60": f"more than {past_due_days} days",
                    "oldest_days": "oldest (days)",
                },
                "Nothing is past due.",
            ),
        ),
        Figure(
            "forecast",
            "Cash forecast by week",
            "Open invoices and debit memos by the ISO week (from Monday) in which they are "
            "expected to be collected, from the extract date; reporting currency.",
            "forecast",
            bar_rows(
                [
                    (f"{_date(d)}", [float(e or 0), float(o or 0)])
                    for d, e, o in zip(
                        weeks.period_start_date, weeks.expected, weeks.overdue, strict=True
                    )
                ],
                ["expected", "of which overdue"],
                "reporting currency",
            ),
        ),
    ]


def build_figures(marts: Marts) -> tuple[list[Figure], list[str], dict]:
    """The page's figures, the segment keys (ledger first) and facts for the header."""
    build = marts.query(
        "select run_id, run_started_at, extract_date, build_vars from rpt_build_info"
    ).iloc[0]
    build_vars = json.loads(build.build_vars)
    monthly = marts.query(
        f"select period_start_date, period_end_date, is_closed, is_partial_period, {SCORE_COLUMNS}, "
        "best_possible_dso_days, days_to_pay_days, due_baseline_error_days, "
        "dbt_baseline_error_days, "
        "bucket_1_ar_end, bucket_2_ar_end, bucket_3_ar_end, bucket_4_ar_end, bucket_5_ar_end, "
        f"bucket_6_ar_end, {', '.join(SETTLEMENT.values())} from rpt_kpis_monthly"
    )
    quarterly = marts.query(
        f"select period_start_date, is_closed, {SCORE_COLUMNS} from rpt_kpis_quarterly"
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
        "and kpi_name in ('dso_days', 'cei_pct', 'pct_past_60', 'bad_debt_ratio_pct') "
        "group by 1, 2, 3"
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

    flagged = marts.query(
        "select segment_type, segment_value, period_start_date, pattern "
        "from rpt_cei_dso_divergence where pattern <> 'none'"
    )
    month_index = {d: i for i, d in enumerate(dates)}
    flags_of: dict[str, list[tuple[int, str]]] = {}
    for r in flagged.itertuples():
        start = _date(r.period_start_date)
        last_month = start.replace(month=start.month + 2)  # a quarter's third month
        if last_month in month_index:
            flags_of.setdefault(segment_key(r.segment_type, r.segment_value), []).append(
                (month_index[last_month], f"{_quarter_label(start)}: {r.pattern.replace('_', ' ')}")
            )

    figures = [
        scorecard_figure(monthly, quarterly, keys),
        v2_figure(monthly, quarterly, keys),
        Figure(
            "dso",
            "DSO, best possible DSO and ADD",
            f"Per month ({span}); days. The shaded band is the segment's DSO benchmark range; "
            "dashed lines mark the quarters flagged for CEI-DSO divergence.",
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
                    flags=flags_of.get(key, []),
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
            "Past-due share of AR over time",
            f"Open invoices and debit memos past due at each month end ({span}), stacked by days "
            "past due; percent of the segment's AR (the current bucket is the rest).",
            "aging",
            "",
            per_segment(
                lambda f, key: stacked_bars(
                    dates,
                    {
                        label: _shares(f, dates, f"bucket_{i}_ar_end")
                        for i, label in enumerate(labels, 1)
                        if i > 1
                    },
                    "percent",
                    BUCKET_COLOURS[1:],
                )
            ),
        ),
        Figure(
            "past_60",
            f"AR more than {build_vars['past_due_kpi_days']} days past due",
            f"Per month ({span}); percent of AR. The shaded band is the benchmark's good range.",
            "past_60",
            "",
            per_segment(
                lambda f, key: line_chart(
                    dates,
                    {"% past due": _series(f, dates, "pct_past_60")},
                    "percent",
                    *band(key, "pct_past_60"),
                )
            ),
        ),
        Figure(
            "bad_debt",
            "Bad debt ratio",
            f"Per month ({span}); net write-offs in percent of net credit sales. The shaded band is "
            "the benchmark's good range.",
            "bad_debt",
            "",
            per_segment(
                lambda f, key: line_chart(
                    dates,
                    {"bad debt ratio": _series(f, dates, "bad_debt_ratio_pct")},
                    "percent",
                    *band(key, "bad_debt_ratio_pct"),
                )
            ),
        ),
        Figure(
            "payment",
            "Days beyond terms and days to pay",
            f"Per month ({span}); days, amount-weighted over the documents paid in the month "
            "(spec v2).",
            "payment",
            "",
            per_segment(
                lambda f, key: line_chart(
                    dates,
                    {
                        "days beyond terms": _series(f, dates, "days_beyond_terms_days"),
                        "days to pay": _series(f, dates, "days_to_pay_days"),
                    },
                    "days",
                )
            ),
        ),
        Figure(
            "settlement",
            "Settlement mix",
            f"Per month ({span}); reporting currency. Each bar is the month's settled total (AR "
            "begin + credit sales - AR end), split by how the balances fell (spec v2); a negative "
            "part (recoveries above write-offs) is in the data table, not drawn, so that month's "
            "bar shows its positive parts.",
            "settlement",
            "",
            per_segment(
                lambda f, key: stacked_bars(
                    dates,
                    {label: _series(f, dates, column) for label, column in SETTLEMENT.items()},
                    "reporting currency",
                    SETTLEMENT_COLOURS,
                    empty="No balances settled in this segment.",
                )
            ),
        ),
        delivery_figure(marts, monthly, quarterly, keys),
        Figure(
            "forecast_error",
            "Forecast error in days: the project against two naive baselines",
            f"Per month ({span}); days, weighted by the balance at the previous month end, over "
            "the documents paid in the month that were open then (spec v2). Lower is better.",
            "forecast_error",
            "",
            per_segment(
                lambda f, key: line_chart(
                    dates,
                    {
                        "project's forecast": _series(f, dates, "forecast_error_days"),
                        "due date": _series(f, dates, "due_baseline_error_days"),
                        "due + days beyond terms": _series(f, dates, "dbt_baseline_error_days"),
                    },
                    "days",
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
    figures += ledger_figures(marts, build_vars["past_due_kpi_days"])
    facts = {
        "first_month": f"{first:%Y-%m}",
        "last_month": f"{last:%Y-%m}",
        "segments": len(keys),
        "definitions": definitions(build_vars),
        "extract_date": f"{_date(build.extract_date)}",
        "reporting_currency": build_vars["reporting_currency"],
        "run": f"run {build.run_id} started {pd.Timestamp(build.run_started_at):%Y-%m-%d %H:%M}",
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
.point{opacity:0}.point:hover,svg:hover .point{opacity:1}.flag{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:3 3}
.score{padding:1px 6px;border-radius:4px}.score.good{background:#d4efdf}.score.watch{background:#fdebd0}
.score.alert{background:#f5b7b1}.score.plain{background:#eaeded}table.scorecard td:first-child{font-weight:600}
details.data{margin-top:6px;font-size:12px}details.data summary{cursor:pointer;color:#1f5fa8}
button.csv{margin:4px 0;font-size:12px}
@media print{body{background:#fff}.controls,details.data,button.csv{display:none}
main{display:block;padding:0}figure{break-inside:avoid;box-shadow:none;border:1px solid #ddd;margin-bottom:12px}
header{background:#fff;color:#000;border-bottom:2px solid #14365d}}
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
  // Download CSV: the table next to the button, as the page shows it.
  document.querySelectorAll('button.csv').forEach(function (button) {
    button.addEventListener('click', function () {
      var rows = Array.prototype.map.call(
        button.parentElement.querySelectorAll('table tr'), function (tr) {
          return Array.prototype.map.call(tr.children, function (cell) {
            return '"' + cell.textContent.replace(/"/g, '""') + '"';
          }).join(',');
        });
      var link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([rows.join('\\n')], {type: 'text/csv'}));
      link.download = (button.closest('figure').id || 'data') + '.csv';
      link.click();
    });
  });
  // #segment=<type: value> opens the page on that segment.
  if (location.hash.indexOf('#segment=') === 0) {
    select.value = decodeURIComponent(location.hash.slice(9));
  }
  show(select.value);
})();
"""


def render(figures: list[Figure], keys: list[str], facts: dict, source: str) -> str:
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(key.split(": ", 1)[0], []).append(key)
    options = "".join(
        f'<optgroup label="{html.escape(kind)}">'
        + "".join(
            f'<option value="{html.escape(k)}">{html.escape(k.split(": ", 1)[1])}</option>'
            for k in members
        )
        + "</optgroup>"
        for kind, members in groups.items()
    )
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
        f"<header><h1>Receivables performance</h1><p>Extract date {facts['extract_date']} "
        f"&middot; reporting currency {html.escape(facts['reporting_currency'])} "
        f"&middot; ledger months {facts['first_month']} to {facts['last_month']} "
        f"&middot; {facts['segments']} segments</p><p>From {html.escape(source)}, "
        f"published {html.escape(facts['run'])} &middot; page generated {generated}</p></header>"
        f'<div class="controls"><label for="segment">Segment </label><select id="segment">{options}</select></div>'
        f"<main>{''.join(blocks)}</main>"
        f'<section id="definitions"><h2>Definitions</h2><dl>{definitions}</dl></section>'
        f'<pre id="selftest"></pre><script>{SCRIPT}</script></body></html>'
    )


def main(argv: list[str] | None = None) -> int:
    command = cli.parser(PROG, __doc__)
    cli.add_database(command, help="the DuckDB database to read the marts from")
    cli.add_postgres(command, help="read the marts from Postgres instead (RPM_PG_* variables)")
    command.add_argument(
        "--schema-prefix",
        metavar="PREFIX",
        help="read the marts a development target published, PREFIX_marts (dbt targets not in "
        "the var rpm_prod_targets prefix their schemas with their own schema; default: marts)",
    )
    cli.add_out(command, Path("reports"), help="the folder to write dashboard.html into")
    args = command.parse_args(argv)
    error = schema_prefix_error(PROG, args.schema_prefix)
    if error:
        return cli.fail(PROG, error.removeprefix(f"{PROG}: "))
    schema = schema_name("marts", args.schema_prefix)

    def write() -> int:
        if not args.postgres:
            cli.database_file(args.database)
        postgres = cli.postgres_arguments() if args.postgres else None
        try:
            marts = Marts(args.database, postgres=postgres, schema=schema)
            figures, keys, facts = build_figures(marts)
        except DatabaseInUse as error:
            raise cli.UserError(str(error)) from None
        except Exception as error:  # noqa: BLE001 - unpublished marts, a server that refuses us
            raise cli.UserError(
                f"cannot read the marts in schema {schema} (published by a green build?): "
                f"{cli.first_line(error)}"
            ) from None
        source = (
            f"Postgres {postgres['dbname']} (schema {schema})"
            if postgres
            else f"{args.database.name} (schema {schema})"
        )
        out = args.out / "dashboard.html"
        args.out.mkdir(parents=True, exist_ok=True)
        out.write_text(render(figures, keys, facts, source), encoding="utf-8")
        print(f"dashboard: {out.resolve()}")
        return cli.OK

    return cli.run(PROG, write)


if __name__ == "__main__":
    sys.exit(main())
