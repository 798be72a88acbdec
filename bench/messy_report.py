"""Messy-mode results table: for an extract generated with --messy and built
with dbt, each injected defect type against what the build did with it.

    python bench/messy_report.py <extract folder> <duckdb file>

Prints Markdown: table, defect, expected outcome (and reason), injected, and
how many came out as expected (quarantined with that reason; or staged after
normalisation; collapsed; superseded; staged).
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd


def outcomes(database: Path) -> tuple[dict, pd.DataFrame]:
    with duckdb.connect(str(database), read_only=True) as con:
        quarantined = con.sql(
            "select table_name, record_key, reason_code from quarantine.quarantined_rows"
        ).df()
        base = []
        tables = [
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables "
                "where table_schema = 'staging' and table_name like 'base_erp__%'"
            ).fetchall()
        ]
        for table in tables:
            frame = con.sql(f"select record_key, row_status from staging.{table}").df()
            base.append(frame.assign(table_name=table.removeprefix("base_erp__")))
    reasons = quarantined.groupby(["table_name", "record_key"])["reason_code"].agg(set).to_dict()
    return reasons, pd.concat(base, ignore_index=True)


def main(extract: Path, database: Path) -> str:
    manifest = pd.read_csv(extract / "_manifest" / "defects.csv", dtype=str)
    manifest = manifest.drop_duplicates(["table_name", "record_key", "defect"])
    reasons, base = outcomes(database)
    statuses = base.groupby(["table_name", "record_key"])["row_status"].agg(sorted).to_dict()
    rows = []
    for (table, defect, outcome, reason), group in manifest.groupby(
        ["table_name", "defect", "expected_outcome", "expected_reason"], dropna=False
    ):
        hits = 0
        for key in group["record_key"]:
            got = reasons.get((table, key), set())
            status = statuses.get((table, key), [])
            if outcome == "quarantined":
                hits += got == {reason}
            elif outcome == "collapsed":
                hits += "collapsed" in status and not got
            elif outcome == "superseded":
                hits += "superseded" in status and "staged" in status and not got
            else:  # normalised or staged
                hits += status == ["staged"] and not got
        label = f"{outcome} ({reason})" if isinstance(reason, str) else outcome
        rows.append(f"| {table} | {defect} | {label} | {len(group)} | {hits} |")
    return "\n".join(
        [
            "| table | defect | expected outcome | injected | as expected |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(main(Path(sys.argv[1]), Path(sys.argv[2])))
