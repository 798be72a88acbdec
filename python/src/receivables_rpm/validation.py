"""receivables-validate: check a raw extract folder against the contract with Great
Expectations before the build, and write a report a person can open.

    receivables-validate --extract data/demo_extract --out reports

What is checked, per contract table (expectations derived from the contract
metadata in models/staging/erp/_erp__sources.yml):
  - the file is there (required tables) and every contract column exists;
  - required cells are filled;
  - dates, timestamps and numbers parse (ISO-8601, '.' decimal point);
  - codes are in their code set after trimming and case normalisation;
  - primary keys are unique (exact re-exports and older versions show here
    too: staging collapses or supersedes them).

Memory stays bounded: a table with more than --max-rows rows (default
250,000) is validated on its first --max-rows rows, and the report says so.
The full table is still checked row by row by the dbt staging layer.

Exit status: 0 when the extract can be built (value failures are reported:
the build quarantines those rows), 1 when it cannot (a required table or
column is missing), with the reason in the report, not a stack trace; 2 when
there is no extract folder.
"""

from __future__ import annotations

import html
import json
import logging
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from receivables_rpm import cli, project_root
from receivables_rpm.contract import ContractTable, find_table_file, load_code_sets, load_contract

PROG = "receivables-validate"
DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_REGEX = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
INTEGER_REGEX = r"^[+-]?\d+$"
DECIMAL_REGEX = r"^[+-]?(?:\d+\.?\d*|\.\d+)$"


@dataclass
class CheckResult:
    table: str
    check: str
    column: str | None
    success: bool
    unexpected: int = 0
    examples: list[str] = field(default_factory=list)
    structural: bool = False  # the build cannot run without it


@dataclass
class TableSummary:
    table: str
    file: str | None
    rows_in_file: int = 0
    rows_validated: int = 0
    sampled: bool = False


def _read_sample(
    path: Path, columns: list[str], max_rows: int
) -> tuple[pd.DataFrame, int, list[str]]:
    """The first max_rows rows as text, the file's row count and its columns."""
    if path.suffix == ".parquet":
        parquet = pq.ParquetFile(path)
        present = [c.lower() for c in parquet.schema_arrow.names]
        total = parquet.metadata.num_rows
        wanted = [n for n in parquet.schema_arrow.names if n.lower() in columns]
        batches = parquet.iter_batches(batch_size=min(max_rows, 65_536), columns=wanted)
        frames, taken = [], 0
        for batch in batches:
            frames.append(batch.to_pandas())
            taken += batch.num_rows
            if taken >= max_rows:
                break
        frame = (
            pd.concat(frames, ignore_index=True).head(max_rows)
            if frames
            else pd.DataFrame(columns=wanted)
        )
        frame = frame.astype(object).where(frame.notna(), None)
        frame = frame.map(lambda v: None if v is None else str(v))
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], nrows=max_rows)
        present = [c.lower() for c in frame.columns]
        with open(path, "rb") as f:
            total = max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1, 0
            )
    frame.columns = [c.lower() for c in frame.columns]
    return frame, total, present


def _expectations(gx, table: ContractTable, frame: pd.DataFrame, code_sets: dict[str, set[str]]):
    """(expectation, check label, column) for every contract rule that GE checks."""
    out = []
    for column in table.columns:
        if column.name not in frame.columns:
            continue
        name = column.name
        if column.required:
            out.append(
                (gx.expectations.ExpectColumnValuesToNotBeNull(column=name), "required value", name)
            )
        if column.type == "date":
            out.append(
                (
                    gx.expectations.ExpectColumnValuesToMatchStrftimeFormat(
                        column=name, strftime_format=DATE_FORMAT
                    ),
                    "parseable date",
                    name,
                )
            )
        elif column.type == "timestamp":
            out.append(
                (
                    gx.expectations.ExpectColumnValuesToMatchRegex(
                        column=name, regex=TIMESTAMP_REGEX
                    ),
                    "parseable timestamp",
                    name,
                )
            )
        elif column.type in ("decimal", "integer"):
            regex = INTEGER_REGEX if column.type == "integer" else DECIMAL_REGEX
            out.append(
                (
                    gx.expectations.ExpectColumnValuesToMatchRegex(column=name, regex=regex),
                    f"parseable {column.type}",
                    name,
                )
            )
        elif column.type == "code":
            out.append(
                (
                    gx.expectations.ExpectColumnValuesToBeInSet(
                        column=name, value_set=sorted(code_sets[column.code_set])
                    ),
                    f"code in {column.code_set}",
                    name,
                )
            )
    key = [c for c in table.primary_key if c in frame.columns]
    if len(key) == 1:
        out.append(
            (gx.expectations.ExpectColumnValuesToBeUnique(column=key[0]), "unique key", key[0])
        )
    elif len(key) > 1:
        out.append(
            (
                gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=key),
                "unique key",
                "|".join(key),
            )
        )
    return out


def _normalise(frame: pd.DataFrame, table: ContractTable) -> pd.DataFrame:
    """Trim every cell, empty = NULL, codes in canonical case: what staging does
    before it checks, so that harmless noise is not reported as a violation."""
    frame = frame.apply(
        lambda s: s.str.strip() if s.dtype == object or pd.api.types.is_string_dtype(s) else s
    )
    frame = frame.replace({"": None})
    for column in table.columns:
        if column.name in frame.columns and column.case in ("upper", "lower"):
            series = frame[column.name]
            frame[column.name] = (
                series.str.upper() if column.case == "upper" else series.str.lower()
            )
    return frame.astype(object).where(frame.notna(), None)


def validate_extract(
    extract_dir: Path,
    project_dir: Path,
    max_rows: int = 250_000,
    progress: Callable[[str], None] = lambda message: None,
) -> tuple[list[TableSummary], list[CheckResult]]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # Great Expectations imports pyspark, whose pandas API warns on import;
    # the project reads no data through it.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    contract = load_contract(project_dir)
    code_sets = load_code_sets(project_dir)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("extract")
    summaries, results = [], []
    if not extract_dir.is_dir():
        results.append(
            CheckResult(
                "(folder)",
                "extract folder exists",
                None,
                False,
                structural=True,
                examples=[str(extract_dir)],
            )
        )
        return summaries, results
    for name, table in sorted(contract.items()):
        files = [extract_dir / f"{name}{suffix}" for suffix in (".csv", ".parquet")]
        if all(f.exists() for f in files):
            summaries.append(TableSummary(name, None))
            results.append(
                CheckResult(
                    name,
                    "one file, CSV or Parquet",
                    None,
                    False,
                    structural=True,
                    examples=[f.name for f in files],
                )
            )
            continue
        path = find_table_file(extract_dir, name)
        if path is None:
            summaries.append(TableSummary(name, None))
            results.append(
                CheckResult(
                    name,
                    "file present",
                    None,
                    not table.required,
                    structural=table.required,
                    examples=[f"{name}.csv or {name}.parquet"],
                )
            )
            continue
        try:
            frame, total, present = _read_sample(path, table.column_names, max_rows)
        except (OSError, ValueError) as error:  # pandas' and pyarrow's parse errors too
            summaries.append(TableSummary(name, path.name))
            results.append(
                CheckResult(
                    name,
                    "file readable",
                    None,
                    False,
                    structural=True,
                    examples=[cli.first_line(error)],
                )
            )
            continue
        summaries.append(TableSummary(name, path.name, total, len(frame), total > len(frame)))
        for column in table.columns:
            exists = column.name in present
            results.append(
                CheckResult(
                    name,
                    "column present",
                    column.name,
                    exists,
                    structural=not exists and column.required,
                )
            )
        progress(f"checking {name} ({len(frame):,} rows)")
        frame = _normalise(frame[[c for c in table.column_names if c in frame.columns]], table)
        asset = source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe("sample").get_batch(
            batch_parameters={"dataframe": frame}
        )
        for expectation, label, column in _expectations(gx, table, frame, code_sets):
            outcome = batch.validate(
                expectation,
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
            )
            result = outcome.result or {}
            examples = [str(v) for v in result.get("partial_unexpected_list", [])][:5]
            results.append(
                CheckResult(
                    name,
                    label,
                    column,
                    bool(outcome.success),
                    int(result.get("unexpected_count") or 0),
                    examples,
                )
            )
    return summaries, results


def write_report(report: Path, extract_dir: Path, summaries, results) -> None:
    """<report>.md, <report>.html and <report>.json."""
    report.parent.mkdir(parents=True, exist_ok=True)
    failed = [r for r in results if not r.success]
    structural = [r for r in failed if r.structural]
    verdict = (
        "CANNOT BUILD: "
        + "; ".join(f"{r.table} {r.check} {r.column or ''}".strip() for r in structural)
        if structural
        else (
            "passed"
            if not failed
            else f"buildable, {len(failed)} checks found rows that staging will quarantine "
            "or normalise"
        )
    )
    lines = [
        f"# Extract validation: {extract_dir}",
        "",
        f"**Verdict:** {verdict}",
        "",
        "| table | file | rows in file | rows validated |",
        "|---|---|---|---|",
    ]
    for s in summaries:
        sampled = (
            f"{s.rows_validated:,} (first rows: sample)" if s.sampled else f"{s.rows_validated:,}"
        )
        lines.append(f"| {s.table} | {s.file or '(absent)'} | {s.rows_in_file:,} | {sampled} |")
    lines += [
        "",
        "## Failed checks",
        "",
        "| table | check | column | failing rows | examples |",
        "|---|---|---|---|---|",
    ]
    for r in failed:
        examples = ", ".join(f"`{e}`" for e in r.examples)
        lines.append(
            f"| {r.table} | {r.check}{' (structural)' if r.structural else ''} | "
            f"{r.column or ''} | {r.unexpected:,} | {examples} |"
        )
    if not failed:
        lines.append("| - | none | | | |")
    lines += ["", f"{len(results) - len(failed)} of {len(results)} checks passed."]
    markdown = "\n".join(lines) + "\n"
    report.with_suffix(".md").write_text(markdown)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(c))}</td>"
            for c in (
                r.table,
                r.check,
                r.column or "",
                "pass" if r.success else "FAIL",
                r.unexpected,
                ", ".join(r.examples),
            )
        )
        + "</tr>"
        for r in results
    )
    report.with_suffix(".html").write_text(
        "<!doctype html><meta charset=utf-8><title>Extract validation</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
        "table{border-collapse:collapse}</style>"
        f"<h1>Extract validation: {html.escape(str(extract_dir))}</h1>"
        f"<p><b>Verdict:</b> {html.escape(verdict)}</p>"
        "<table><tr><th>table</th><th>check</th><th>column</th><th>result</th><th>failing rows</th>"
        f"<th>examples</th></tr>{rows}</table>"
    )
    report.with_suffix(".json").write_text(
        json.dumps(
            {
                "verdict": verdict,
                "tables": [asdict(s) for s in summaries],
                "checks": [asdict(r) for r in results],
            },
            indent=1,
        )
    )


def main(argv=None) -> int:
    command = cli.parser(PROG, __doc__)
    cli.add_extract(command, help="the extract folder to check")
    cli.add_out(
        command, Path("reports"), help="the folder to write extract_validation.{html,md,json} into"
    )
    command.add_argument(
        "--max-rows",
        type=cli.positive_int,
        default=250_000,
        metavar="N",
        help="validate larger tables on their first N rows (the report says so)",
    )
    args = command.parse_args(argv)

    def check() -> int:
        extract = cli.extract_folder(args.extract)
        report = args.out / "extract_validation"
        args.out.mkdir(parents=True, exist_ok=True)  # an --out that cannot be made fails first
        summaries, results = validate_extract(
            extract, project_root(), args.max_rows, lambda message: cli.progress(PROG, message)
        )
        write_report(report, extract, summaries, results)
        failed = [r for r in results if not r.success]
        print(
            f"extract validation: {len(results) - len(failed)} of {len(results)} checks passed; "
            f"report {report.with_suffix('.html')}"
        )
        for r in failed[:10]:
            print(f"  {failure_line(r)}")
        if len(failed) > 10:
            print(f"  ... {len(failed) - 10} more in the report")
        return cli.CHECKS_FAILED if any(r.structural for r in failed) else cli.OK

    return cli.run(PROG, check)


def failure_line(r: CheckResult) -> str:
    """A failed check in one line: what, where, and its failing rows or files."""
    where = f"{r.table}.{r.column}" if r.column else r.table
    if r.unexpected:
        detail = f"{r.unexpected:,} rows, e.g. {', '.join(r.examples[:3])}"
    else:
        detail = ", ".join(r.examples[:3]) or "no"
    return f"{'CANNOT BUILD' if r.structural else 'warning'}: {where}: {r.check}: {detail}"


if __name__ == "__main__":
    sys.exit(main())
