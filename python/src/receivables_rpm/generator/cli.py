"""receivables-generate: write a realistic raw ERP extract following the contract.

    receivables-generate --customers 2000 --months 36 --start 2023-01-01 --seed 42 \
        --format csv --out data/demo_extract [--messy 0.004] [--no-patterns]

Customers are simulated in blocks of --block-customers (default 5,000), each
with its own random stream, so memory stays bounded at any size and the output
is a pure function of the arguments. Manifests go to <out>/_manifest/.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from receivables_rpm import cli
from receivables_rpm.generator import tables as fmt
from receivables_rpm.generator.calendar import to_date, to_day
from receivables_rpm.generator.fx import REPORTING_CURRENCY, generate_fx
from receivables_rpm.generator.ledger import (
    COLLECTION_DISCIPLINE_INDUSTRY,
    COMPANIES,
    COMPANY_CURRENCY,
    QUALITY_DRIFT_INDUSTRY,
    make_context,
    simulate_block,
)
from receivables_rpm.generator.messy import MANIFEST_COLUMNS, Injector
from receivables_rpm.generator.writer import ExtractWriter

PROG = "receivables-generate"


@dataclass(frozen=True)
class GeneratorConfig:
    customers: int = 2000
    months: int = 36
    start: dt.date = dt.date(2023, 1, 1)
    seed: int = 42
    file_format: str = "csv"
    out: Path = Path("data/demo_extract")
    messy: float = 0.0
    plant_patterns: bool = True
    block_customers: int = 5000


def generate(config: GeneratorConfig, progress: Callable[[str], None] | None = None) -> dict:
    """Write the extract and its manifests; return the generation summary.
    progress, when given, hears after each block of customers."""
    started = time.perf_counter()
    out = Path(config.out)
    if out.exists():
        # Never delete a folder this command did not write (it makes
        # _manifest/ first, so an interrupted run is replaced too).
        if not out.is_dir() or (any(out.iterdir()) and not (out / "_manifest").is_dir()):
            raise cli.UserError(
                f"--out {out} is a file or a folder this command did not write "
                "(no _manifest/): choose an empty or new folder"
            )
        shutil.rmtree(out)
    (out / "_manifest").mkdir(parents=True)
    writer = ExtractWriter(out, config.file_format)
    main_rng = np.random.default_rng([config.seed, 0])
    first_day = to_day(config.start.replace(day=1)) - 30
    months_ctx = make_context(config.start, config.months, None, config.plant_patterns)
    quotes, rates = generate_fx(main_rng, first_day, months_ctx.extract_day)
    ctx = make_context(config.start, config.months, rates, config.plant_patterns)
    messy = config.messy > 0
    manifests = []

    net_ar = np.zeros((len(COMPANIES), config.months))
    cash = np.zeros((len(COMPANIES), config.months))
    n_blocks = -(-config.customers // config.block_customers)
    for block_no in range(n_blocks):
        size = min(config.block_customers, config.customers - block_no * config.block_customers)
        block = simulate_block(
            np.random.default_rng([config.seed, 1, block_no]),
            ctx,
            size,
            np.random.default_rng([config.seed, 4, block_no]),
        )
        net_ar += block.net_ar_delta
        cash += block.cash_received
        tables = fmt.block_tables(block.tables)
        if messy:
            injector = Injector(
                config.messy, np.random.default_rng([config.seed, 2, block_no]), block_no == 0
            )
            frames = injector.inject(tables)
            manifests.append(injector.manifest_frame())
            tables = {name: _string_table(frame) for name, frame in frames.items()}
        for name, table in tables.items():
            writer.write(name, table)
        if progress and n_blocks > 1:
            done = min(config.customers, (block_no + 1) * config.block_customers)
            progress(
                f"{done:,} of {config.customers:,} customers written "
                f"({time.perf_counter() - started:.0f} s)"
            )

    gl, reconciling = _gl_balances(main_rng, ctx, np.cumsum(net_ar, axis=1))
    global_tables = {
        "collectors": fmt.collectors(ctx),
        "fx_rates": fmt.fx_rates(quotes),
        "gl_ar_control_balances": gl,
        "cash_forecasts": _cash_forecasts(main_rng, ctx, cash),
        "working_capital": _working_capital(np.random.default_rng([config.seed, 5]), ctx, cash),
    }
    if messy:
        injector = Injector(config.messy, np.random.default_rng([config.seed, 3]), True)
        frames = injector.inject(global_tables)
        manifests.append(injector.manifest_frame())
        global_tables = {name: _string_table(frame) for name, frame in frames.items()}
    for name, table in global_tables.items():
        writer.write(name, table)
    writer.close()

    manifest_dir = out / "_manifest"
    reconciling.to_csv(manifest_dir / "gl_reconciling_items.csv", index=False)
    defects = (
        pd.concat(manifests, ignore_index=True)
        if manifests
        else pd.DataFrame(columns=MANIFEST_COLUMNS)
    )
    defects.to_csv(manifest_dir / "defects.csv", index=False)
    summary = {
        "config": {k: str(v) for k, v in asdict(config).items()},
        "extract_date": to_date(ctx.extract_day).isoformat(),
        "reporting_currency": REPORTING_CURRENCY,
        "rows": writer.rows,
        "defects_injected": len(defects),
        "planted_patterns": _planted_patterns(ctx),
        "seconds": round(time.perf_counter() - started, 2),
    }
    (manifest_dir / "generation.json").write_text(json.dumps(summary, indent=2))
    return summary


def _string_table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(
        frame,
        schema=pa.schema([pa.field(c, pa.string()) for c in frame.columns]),
        preserve_index=False,
    )


def _gl_balances(rng, ctx, net_ar_balance: np.ndarray):
    """The GL's AR control account: the subledger's net AR at each month end,
    except three planted posting differences, listed in the manifest."""
    company = np.repeat(COMPANIES, ctx.months)
    month = np.tile(np.arange(ctx.months), len(COMPANIES))
    balance = np.round(net_ar_balance.ravel(), 2)
    difference = np.zeros(len(balance))
    candidates = np.flatnonzero((month >= 2) & (np.abs(balance) > 0))
    planted = rng.choice(candidates, min(3, len(candidates)), replace=False)
    difference[planted] = np.round(
        rng.choice([-1, 1], len(planted)) * rng.uniform(500, 25_000, len(planted)), 2
    )
    period_end = ctx.month_end[month]
    gl = pa.table(
        {
            "company_code": pa.array(company),
            "period_end_date": fmt.dates(period_end),
            "currency_code": pa.array(np.full(len(company), REPORTING_CURRENCY)),
            "balance": pa.array(np.round(balance + difference, 2)),
        }
    )
    items = pd.DataFrame(
        {
            "company_code": company[planted],
            "period_end_date": [to_date(d).isoformat() for d in period_end[planted]],
            "subledger_net_ar": balance[planted],
            "gl_balance": np.round(balance[planted] + difference[planted], 2),
            "difference": difference[planted],
        }
    ).sort_values(["company_code", "period_end_date"])
    return gl, items


def _cash_forecasts(rng, ctx, cash: np.ndarray) -> pa.Table:
    """Treasury forecasts cash per company and month, made 5-15 days before the
    month starts, with half revised 1-4 days before it (the revision is the
    latest forecast and usually closer)."""
    company = np.repeat(COMPANIES, ctx.months - 1)
    month = np.tile(np.arange(1, ctx.months), len(COMPANIES))
    actual = cash[np.repeat(np.arange(len(COMPANIES)), ctx.months - 1), month]
    period_start = ctx.month_start[month]
    first = pd.DataFrame(
        {
            "made_on": period_start - rng.integers(5, 16, len(month)),
            "company": company,
            "period_start": period_start,
            "amount": np.round(actual * (1 + rng.normal(0, 0.08, len(month))), 2),
        }
    )
    revise = rng.random(len(month)) < 0.5
    second = pd.DataFrame(
        {
            "made_on": period_start[revise] - rng.integers(1, 5, revise.sum()),
            "company": company[revise],
            "period_start": period_start[revise],
            "amount": np.round(actual[revise] * (1 + rng.normal(0, 0.04, revise.sum())), 2),
        }
    )
    both = pd.concat([first, second], ignore_index=True).sort_values(
        ["period_start", "company", "made_on"]
    )
    both = both[both["amount"] > 0]
    return pa.table(
        {
            "forecast_id": fmt.ids("forecast", np.arange(1, len(both) + 1)),
            "made_on_date": fmt.dates(both["made_on"].to_numpy()),
            "company_code": pa.array(both["company"].to_numpy()),
            "period_start": fmt.dates(both["period_start"].to_numpy()),
            "forecast_amount": pa.array(both["amount"].to_numpy()),
        }
    )


def _working_capital(rng, ctx, cash: np.ndarray) -> pa.Table:
    """The GL's working capital per company and closed month (v2, for the cash
    conversion cycle), in the company's currency at the month end's rate: cost
    of goods sold a fixed share (55-70 %) of the month's cash receipts, stock
    held 40-70 days of it, payables 30-50 days of purchases (cost of goods sold
    plus the change in stock), each with a little monthly noise."""
    closed = np.flatnonzero(ctx.month_end <= ctx.extract_day)
    days = (ctx.month_end - ctx.month_start[:-1] + 1)[closed]
    currency_ix = {c: i for i, c in enumerate(ctx.rates.currencies)}
    frames = []
    for c, company in enumerate(COMPANIES):
        currency = COMPANY_CURRENCY[company]
        cogs = cash[c, closed] * rng.uniform(0.55, 0.70) * (1 + rng.normal(0, 0.05, len(closed)))
        cogs = np.maximum(cogs, 0.0)
        inventory = cogs * rng.uniform(40, 70) / days * (1 + rng.normal(0, 0.08, len(closed)))
        purchases = np.maximum(cogs + np.diff(inventory, prepend=inventory[:1]), 0.3 * cogs)
        payables = purchases * rng.uniform(30, 50) / days * (1 + rng.normal(0, 0.05, len(closed)))
        rate = ctx.rates.lookup(np.full(len(closed), currency_ix[currency]), ctx.month_end[closed])
        frames.append(
            pd.DataFrame(
                {
                    "company_code": company,
                    "month_end_date": [to_date(d).isoformat() for d in ctx.month_end[closed]],
                    "currency_code": currency,
                    "inventory_balance": np.round(inventory / rate, 2),
                    "cost_of_goods_sold": np.round(cogs / rate, 2),
                    "ap_balance": np.round(payables / rate, 2),
                    "purchases": np.round(purchases / rate, 2),
                }
            )
        )
    return pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)


def _planted_patterns(ctx) -> dict:
    if not ctx.plant_patterns or ctx.months < 16:
        return {}
    window = {"window_start": to_date(ctx.window_start_day).isoformat(), "quarters": 4}
    return {
        "quality_drift": {
            "segment_type": "industry",
            "segment_value": QUALITY_DRIFT_INDUSTRY,
            "mechanism": "dated terms lengthen ~5.5 days per quarter; paid on the new due date",
            **window,
        },
        "collection_discipline": {
            "segment_type": "industry",
            "segment_value": COLLECTION_DISCIPLINE_INDUSTRY,
            "mechanism": "customers pay ~6 days later past due each quarter",
            **window,
        },
    }


def parse_args(argv=None) -> GeneratorConfig:
    command = cli.parser(PROG, __doc__)
    command.add_argument(
        "--customers", type=cli.positive_int, default=2000, metavar="N", help="number of customers"
    )
    command.add_argument(
        "--months", type=cli.positive_int, default=36, metavar="N", help="months of history"
    )
    command.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2023, 1, 1),
        metavar="YYYY-MM-DD",
        help="first month",
    )
    command.add_argument(
        "--seed",
        type=int,
        default=42,
        metavar="N",
        help="random seed: the same seed, the same extract",
    )
    command.add_argument(
        "--format",
        dest="file_format",
        choices=["csv", "parquet"],
        default="csv",
        help="file format",
    )
    cli.add_out(
        command,
        Path("data/demo_extract"),
        help="the folder to write the extract into (replaced if it holds an earlier one)",
    )
    command.add_argument(
        "--messy",
        type=cli.share,
        default=0.0,
        metavar="SHARE",
        help="inject contract violations into this share of rows (e.g. 0.004)",
    )
    command.add_argument(
        "--no-patterns",
        dest="plant_patterns",
        action="store_false",
        help="do not plant the quality-drift and collection-discipline segments",
    )
    command.add_argument(
        "--block-customers",
        type=cli.positive_int,
        default=5000,
        metavar="N",
        help="customers simulated per block (part of the output's identity)",
    )
    return GeneratorConfig(**vars(command.parse_args(argv)))


def main(argv=None) -> int:
    config = parse_args(argv)

    def write() -> int:
        summary = generate(config, progress=lambda message: cli.progress(PROG, message))
        total = sum(summary["rows"].values())
        print(
            f"wrote {total:,} rows in {len(summary['rows'])} tables to {config.out} "
            f"(extract date {summary['extract_date']}, {summary['seconds']} s)"
        )
        for name, rows in summary["rows"].items():
            print(f"  {name:<24}{rows:>12,}")
        if summary["defects_injected"]:
            print(
                f"  injected defects: {summary['defects_injected']:,} "
                f"(see {config.out}/_manifest/defects.csv)"
            )
        return cli.OK

    return cli.run(PROG, write)


if __name__ == "__main__":
    sys.exit(main())
