"""Row-for-row comparison of the marts built by two engines on the same
extract: every mart except the run-dependent ones, numbers to the cent,
NULLs equal, rows in a canonical order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

# Marts whose rows are about the run, not the ledger: when and where it ran.
RUN_DEPENDENT = {"rpt_kpi_restatements", "rpt_kpi_restatement_causes", "rpt_build_info"}


def mart_tables(duckdb_build) -> list[str]:
    """The marts DuckDB built, less the run-dependent ones."""
    names = duckdb_build.query(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    )
    return [n for n in names.table_name if n not in RUN_DEPENDENT]


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparable cells: numbers as floats (NULL as NaN), everything else as
    text (dates ISO, NULL as None); rows ordered by every text column, then
    by the numbers rounded to the cent."""
    out = pd.DataFrame(index=range(len(frame)))
    for column in frame.columns:
        values = [None if _is_null(v) else v for v in frame[column].astype(object)]
        present = [v for v in values if v is not None]
        if present and all(_is_number(v) for v in present):
            out[column] = pd.Series(
                [np.nan if v is None else float(v) for v in values], dtype="float64"
            )
        else:
            out[column] = pd.Series([_as_text(v) for v in values], dtype=object)
    texts = [c for c in out.columns if out[c].dtype == object]
    order = pd.DataFrame({c: out[c].fillna("\x00") for c in texts}, index=out.index)
    for column in out.columns:
        if column not in texts:
            order[column] = out[column].round(2).fillna(-1e300)
    if len(order.columns):
        out = out.loc[order.sort_values(list(order.columns)).index]
    return out.reset_index(drop=True)


def _is_null(value) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and np.isnan(value))
    )


def _is_number(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (int, float, np.integer, np.floating, Decimal))


def _as_text(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def assert_same_rows(
    duckdb_build, other_build, table: str, engine: str, other_schema: str = "marts"
) -> None:
    """The mart's rows on `engine` (published to other_schema) equal DuckDB's."""
    ours = normalised(duckdb_build.query(f"select * from marts.{table}"))
    theirs = normalised(other_build.query(f"select * from {other_schema}.{table}"))
    assert list(theirs.columns) == list(ours.columns), table
    assert len(theirs) == len(ours), (
        f"{table}: {len(theirs)} rows on {engine}, {len(ours)} on DuckDB"
    )
    for column in ours.columns:
        left, right = ours[column], theirs[column]
        if left.dtype == float and right.dtype == float:
            both_null = left.isna() & right.isna()
            close = np.isclose(left, right, rtol=0, atol=0.005)
            bad = ~(both_null | close)
        else:
            bad = ~((left == right) | (left.isna() & right.isna()))
        assert not bad.any(), (
            f"marts.{table}.{column}: {int(bad.sum())} rows differ, first: "
            f"DuckDB {left[bad].iloc[0]!r} vs {engine} {right[bad].iloc[0]!r}"
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
