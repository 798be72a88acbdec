"""The same project on Spark (issue 7): `dbt build --target spark` (local
session, threads 1) runs every SQL model, data test and unit test; the
divergence mart comes from its SQL twin and there are no snapshots; every
mart row equals DuckDB's on the same extract: decimals (money) exactly,
doubles to a relative 1e-9 (docs/spark.md, "Rounding"). Spark builds take
minutes each, so the test command builds one ledger per Spark mode: the
generated ledger here (from an awkward folder path), the worked example on
the cluster (test_spark_cluster.py); the SQL is the same in both."""

from __future__ import annotations

import pytest
from mart_comparison import assert_same_rows, mart_tables

pytestmark = [pytest.mark.integration, pytest.mark.spark]


def test_generated_ledger_builds_on_spark(clean_on_spark):
    assert clean_on_spark.returncode == 0, clean_on_spark.output[-3000:]
    assert "ERROR=0" in clean_on_spark.output
    # The Python model and the snapshots are not built on Spark.
    assert "int_cei_dso_divergence_python" not in clean_on_spark.output
    found = next(line for line in clean_on_spark.output.splitlines() if " Found " in line)
    assert "models" in found and "snapshot" not in found


def test_generated_ledger_marts_equal_duckdb(clean, clean_on_spark):
    duckdb_build = clean[0]
    assert duckdb_build.returncode == 0 and clean_on_spark.returncode == 0
    tables = mart_tables(duckdb_build)
    assert len(tables) >= 29
    for table in tables:
        assert_same_rows(duckdb_build, clean_on_spark, table, "Spark")


def test_spark_tables_are_parquet_without_delta(clean_on_spark):
    marts = clean_on_spark.warehouse / "marts.db"
    assert (marts / "rpt_kpi_values").is_dir()
    assert not list(clean_on_spark.warehouse.rglob("_delta_log"))
