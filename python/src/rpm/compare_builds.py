"""rpm-compare-builds: do two DuckDB builds hold the same rows?

Compares every table of the staging, intermediate, quarantine, marts_build
and (published) marts schemas (views are computed from tables; the audit schema and snapshots record
runs, not the ledger) row by row in sorted order, every cell exactly: money is
exact decimal and every double is computed from exact sums (kpi_definitions.md
v2), so the same extract gives the same value, bit for bit. Used to prove that
an incremental build equals a full refresh of the same extract.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

SCHEMAS = ("staging", "intermediate", "quarantine", "marts_build", "marts")
# What a run restated or which run it was: about the run, not the ledger.
RUN_STATE = (
    "intermediate.int_restatement_keys",
    "intermediate.int_restatement_scope",
    *(
        f"{schema}.{table}"
        for schema in ("marts_build", "marts")
        for table in (
            # Audit marts: what earlier runs reported.
            "rpt_kpi_restatements",
            "rpt_kpi_restatement_causes",
            # The run id and start of the build.
            "rpt_build_info",
        )
    ),
)


def table_differences(left: Path, right: Path) -> dict[str, str]:
    """{schema.table: what differs} for every table that is not the same."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as lhs (read_only)")
    con.execute(f"attach '{right}' as rhs (read_only)")
    differences: dict[str, str] = {}
    tables = {
        side: {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables "
                f"where table_catalog = '{side}' and table_type = 'BASE TABLE' "
                f"and table_schema in {SCHEMAS}"
            ).fetchall()
            if f"{schema}.{name}" not in RUN_STATE
        }
        for side in ("lhs", "rhs")
    }
    for name in sorted(tables["lhs"] ^ tables["rhs"]):
        differences[name] = "only in " + ("the first" if name in tables["lhs"] else "the second")
    for name in sorted(tables["lhs"] & tables["rhs"]):
        schema, table = name.split(".")
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            f"where table_catalog = 'lhs' and table_schema = '{schema}' and table_name = '{table}' "
            "order by ordinal_position"
        ).fetchall()
        other = con.execute(
            "select column_name, data_type from information_schema.columns "
            f"where table_catalog = 'rhs' and table_schema = '{schema}' and table_name = '{table}' "
            "order by ordinal_position"
        ).fetchall()
        if other != columns:
            differences[name] = "columns differ"
            continue
        # Pair the rows in sorted order, then compare them cell by cell.
        cells = " and ".join(f'l."{c}" is not distinct from r."{c}"' for c, _ in columns)
        order = ", ".join(f'"{c}"' for c, _ in columns)
        different = con.execute(
            f"with l as (select *, row_number() over (order by {order}) as _rn from lhs.{name}), "
            f"r as (select *, row_number() over (order by {order}) as _rn from rhs.{name}) "
            "select count(*) from l full join r on l._rn = r._rn "
            f"where not coalesce({cells}, false)"
        ).fetchone()[0]
        if different:
            differences[name] = f"{different} rows differ"
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rpm-compare-builds", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    differences = table_differences(args.first, args.second)
    for name, what in differences.items():
        print(f"{name}: {what}")
    print("same rows" if not differences else f"{len(differences)} tables differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
