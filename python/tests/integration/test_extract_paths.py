"""Paths are data, never SQL text: an extract folder whose path holds an
apostrophe, spaces and non-ASCII letters loads (whole, then row by row on
the next run) into the same marts as the worked example's own folder; the
Postgres loader's export reads such a path too (Spark: test_spark_build.py,
clean_on_spark; test_spark_cluster.py, worked_on_cluster)."""

from __future__ import annotations

import csv
import shutil

import pytest
from conftest import AWKWARD_FOLDER as AWKWARD
from conftest import dbt_build
from mart_comparison import published_marts

from receivables_rpm.contract import load_contract
from receivables_rpm.postgres_load import export_as_text

pytestmark = pytest.mark.integration


def test_an_awkward_folder_builds_the_same_marts(root, worked_example, worked, tmp_path):
    extract = tmp_path / AWKWARD
    shutil.copytree(worked_example, extract)
    first = dbt_build(root, extract, tmp_path / "build")
    assert first.returncode == 0, first.output[-3000:]
    assert published_marts(first.database) == published_marts(worked.database)
    # The next run compares the files row by row with the raw tables.
    second = dbt_build(root, extract, tmp_path / "build")
    assert second.returncode == 0, second.output[-3000:]
    assert published_marts(second.database) == published_marts(worked.database)


def test_the_postgres_export_reads_an_awkward_path(root, worked_example, tmp_path):
    folder = tmp_path / AWKWARD
    shutil.copytree(worked_example, folder)
    table = load_contract(root)["fx_rates"]
    out = tmp_path / "fx_rates.csv"
    export_as_text(folder / "fx_rates.csv", table, out)
    with out.open() as handle:
        exported = list(csv.DictReader(handle))
    with (worked_example / "fx_rates.csv").open() as handle:
        original = list(csv.DictReader(handle))
    assert [row["rate"] for row in exported] == [row["rate"] for row in original]
    assert [row["_raw_row_id"] for row in exported] == [str(i + 1) for i in range(len(original))]
