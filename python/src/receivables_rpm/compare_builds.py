"""receivables-compare-builds: do two builds hold the same rows?

Two DuckDB builds (--against): every table of the staging, intermediate,
quarantine, marts_build and marts schemas, every cell exactly. A DuckDB build
and the Postgres target (--postgres): every published mart, decimals exactly.

Two DuckDB builds are compared table by table (views are computed from
tables; the audit schema and snapshots record runs, not the ledger), row by
row in sorted order, every cell exactly: money is exact decimal and every
double is computed from exact sums (kpi_definitions.md v2), so the same
extract gives the same value, bit for bit. Used to prove that an incremental
build equals a full refresh of the same extract. Against Postgres, doubles
agree to a relative 1e-9 (engines add floating-point numbers in another
order), and the marts about the run (rpt_build_info, the restatements) are
left out.

Exit code 1 when a table differs.
"""

from __future__ import annotations

import math
import sys
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import duckdb

from receivables_rpm import cli

PROG = "receivables-compare-builds"

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
    for path, alias in ((left, "lhs"), (right, "rhs")):
        # ATTACH takes no bound parameter: the path as an escaped literal.
        con.execute(f"attach '{str(path).replace(chr(39), chr(39) * 2)}' as {alias} (read_only)")
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
    if not tables["lhs"] and not tables["rhs"]:
        raise cli.UserError(
            f"no built tables in {left} or {right} (schemas {', '.join(SCHEMAS)}): "
            "nothing to compare"
        )
    for name in sorted(tables["lhs"] ^ tables["rhs"]):
        differences[name] = "only in " + ("the first" if name in tables["lhs"] else "the second")
    shared = sorted(tables["lhs"] & tables["rhs"])
    for number, name in enumerate(shared, 1):
        cli.progress(PROG, f"comparing {name} ({number} of {len(shared)})")
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


# Published marts about the run, not the ledger: when and where it ran.
RUN_MARTS = ("rpt_kpi_restatements", "rpt_kpi_restatement_causes", "rpt_build_info")


def _canonical(value):
    """A cell as two engines are compared: decimals and integers as exact
    Decimals (1.50 equals 1.5), dates and times as ISO text, NaN as NULL."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | float):
        return value
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def _rows(cursor, sql: str) -> tuple[list[str], list[tuple]]:
    cursor.execute(sql)
    columns = [d[0] for d in cursor.description]
    rows = [tuple(_canonical(v) for v in row) for row in cursor.fetchall()]
    # Sorted on the exact cells first, doubles (rounded) last: two engines'
    # last bits must not reorder rows.
    rows.sort(
        key=lambda row: (
            tuple((0,) if v is None else (1, 0 if isinstance(v, float) else v) for v in row),
            tuple(round(v, 6) if isinstance(v, float) else 0 for v in row),
        )
    )
    return columns, rows


def _same(x, y) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        # Ratios are doubles computed from exact sums; engines may add
        # floating-point numbers in another order.
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    return x == y


def postgres_mart_differences(database: Path, connection: dict) -> dict[str, str]:
    """{mart: what differs} between the published marts of a DuckDB build
    and those of the Postgres target: money and every decimal exactly,
    doubles to a relative 1e-9. Rows are read into memory: meant for ledgers
    of up to a few million aging rows."""
    import psycopg2

    differences: dict[str, str] = {}
    with (
        duckdb.connect(str(database), read_only=True) as con,
        closing(psycopg2.connect(**connection)) as pg,
    ):
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
            if name not in RUN_MARTS
        ]
        with pg.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            )
            theirs = {name for (name,) in cur.fetchall()} - set(RUN_MARTS)
            for name in sorted(theirs - set(marts)):
                differences[f"marts.{name}"] = "only in Postgres"
            for name in marts:
                if name not in theirs:
                    differences[f"marts.{name}"] = "only in the DuckDB build"
                    continue
                columns, ours = _rows(con.cursor(), f"select * from marts.{name}")
                their_columns, rows = _rows(cur, f"select * from marts.{name}")
                if their_columns != columns:
                    differences[f"marts.{name}"] = "columns differ"
                elif len(rows) != len(ours):
                    differences[f"marts.{name}"] = (
                        f"{len(ours)} rows in DuckDB, {len(rows)} in Postgres"
                    )
                else:
                    different = sum(
                        not all(_same(x, y) for x, y in zip(left, right, strict=True))
                        for left, right in zip(ours, rows, strict=True)
                    )
                    if different:
                        differences[f"marts.{name}"] = f"{different} rows differ"
    return differences


def main(argv: list[str] | None = None) -> int:
    command = cli.parser(PROG, __doc__)
    cli.add_database(command, help="the first build's DuckDB database")
    against = command.add_mutually_exclusive_group(required=True)
    against.add_argument(
        "--against", type=Path, metavar="FILE", help="the second build's DuckDB database"
    )
    cli.add_postgres(
        against,
        help="compare the published marts with the Postgres target's (RPM_PG_* variables)",
    )
    args = command.parse_args(argv)

    def compare() -> int:
        cli.open_database(args.database).close()
        if args.against is not None:
            cli.open_database(args.against, "--against").close()
        if args.postgres:
            connection = cli.postgres_arguments()
            try:
                differences = postgres_mart_differences(args.database, connection)
            except Exception as error:  # noqa: BLE001 - a server that refuses us: one line
                raise cli.UserError(f"cannot read Postgres: {cli.first_line(error)}") from None
        else:
            differences = table_differences(args.database, args.against)
        for name, what in differences.items():
            print(f"{name}: {what}")
        print("same rows" if not differences else f"{len(differences)} tables differ")
        return cli.CHECKS_FAILED if differences else cli.OK

    return cli.run(PROG, compare)


if __name__ == "__main__":
    sys.exit(main())
