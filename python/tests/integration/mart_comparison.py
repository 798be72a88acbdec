"""Row-for-row comparison of the marts built by two engines on the same
extract: every mart except the run-dependent ones, decimals exactly,
NULLs equal, rows in a canonical order."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import duckdb

# Marts whose rows are about the run, not the ledger: when and where it ran.
RUN_DEPENDENT = {"rpt_kpi_restatements", "rpt_kpi_restatement_causes", "rpt_build_info"}


def mart_tables(duckdb_build) -> list[str]:
    """The marts DuckDB built, less the run-dependent ones."""
    names = duckdb_build.query(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    )
    return [n for n in names.table_name if n not in RUN_DEPENDENT]


def canonical(value):
    """A cell as compared: a decimal or integer as an exact Decimal (1.50
    equals 1.5), a double as a float, a date or time as ISO text, NULL (or
    NaN) as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return value
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def _sort_key(row: tuple) -> tuple:
    # Doubles rounded, so that two engines' last bits do not reorder rows.
    return tuple(
        (0,) if cell is None else (1, round(cell, 6)) if isinstance(cell, float) else (1, cell)
        for cell in row
    )


def canonical_rows(rows: list[tuple]) -> list[tuple]:
    return sorted((tuple(canonical(cell) for cell in row) for row in rows), key=_sort_key)


def assert_same_rows(
    duckdb_build,
    other_build,
    table: str,
    engine: str,
    other_schema: str = "marts",
    decimal_tolerance: Decimal = Decimal(0),
) -> None:
    """The mart's rows on `engine` (published to other_schema) equal DuckDB's:
    money and every other decimal exactly (or within decimal_tolerance, for
    an engine that rounds differently: Spark); doubles (ratios, days) to a
    relative 1e-9, since two engines may add floating-point numbers in
    another order."""
    columns, ours = duckdb_build.rows(f"select * from marts.{table}")
    their_columns, theirs = other_build.rows(f"select * from {other_schema}.{table}")
    assert their_columns == columns, table
    assert len(theirs) == len(ours), (
        f"{table}: {len(theirs)} rows on {engine}, {len(ours)} on DuckDB"
    )
    for number, (left, right) in enumerate(
        zip(canonical_rows(ours), canonical_rows(theirs), strict=True)
    ):
        for column, x, y in zip(columns, left, right, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                same = math.isclose(x, y, rel_tol=1e-9)
            elif isinstance(x, Decimal) and isinstance(y, Decimal):
                same = abs(x - y) <= decimal_tolerance
            else:
                same = x == y
            assert same, (
                f"marts.{table}.{column}, row {number} in sorted order: "
                f"DuckDB {x!r} vs {engine} {y!r}"
            )


def published_marts(database: Path, schema: str = "marts") -> dict[str, list[tuple]]:
    """Every published mart's rows (run-dependent ones left out), sorted, as
    text; schema: where they were published (a dev target's is prefixed)."""
    with duckdb.connect(str(database), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "order by 1",
                [schema],
            ).fetchall()
            if name not in RUN_DEPENDENT
        ]
        tables = {}
        for name in names:
            columns = [
                column
                for (column,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? "
                    "and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
            ]
            text = ", ".join(f'cast("{c}" as varchar)' for c in columns)
            tables[name] = con.execute(
                f"select {text} from {schema}.{name} order by all"
            ).fetchall()
        return tables
