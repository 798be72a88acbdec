"""The Spark cluster path (issue 19): a local Spark standalone cluster, a
master and two workers with the Spark Thrift server as its driver
(scripts/spark_cluster.sh), and the profile's spark_cluster target (dbt-spark
method thrift). rpm-load loads the raw schema through the Thrift server and
`dbt build` runs every SQL model, data test and unit test there; every mart
row equals DuckDB's on the same extract, decimals exactly, doubles to a
relative 1e-9 (docs/spark.md); a cluster whose decimal setting would round
money is refused before anything builds."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AWKWARD_FOLDER, DBT, spark_cluster_build
from mart_comparison import assert_same_rows, mart_tables

pytestmark = [pytest.mark.integration, pytest.mark.spark]


@pytest.fixture(scope="module")
def worked_on_cluster(root, worked_example, spark_cluster, tmp_path_factory):
    """The worked example, from a folder whose path holds an apostrophe,
    spaces and non-ASCII letters."""
    work = tmp_path_factory.mktemp("worked_cluster")
    shutil.copytree(worked_example, work / AWKWARD_FOLDER)
    return spark_cluster_build(root, work / AWKWARD_FOLDER, work / "build", spark_cluster)


@pytest.fixture(scope="module")
def clean_on_cluster(root, clean, spark_cluster, worked_on_cluster, tmp_path_factory):
    """The `clean` fixture's extract, after the worked example (one build at
    a time on the cluster)."""
    extract = clean[0].database.parent.parent / "extract"
    return spark_cluster_build(
        root, extract, tmp_path_factory.mktemp("clean_cluster"), spark_cluster
    )


def test_the_work_runs_on_both_workers(spark_cluster, worked_on_cluster):
    assert worked_on_cluster.returncode == 0, worked_on_cluster.output[-3000:]
    master_log = (Path(spark_cluster["RPM_SPARK_CLUSTER_DIR"]) / "master.log").read_text()
    assert "Registered app rpm-thrift-server" in master_log
    workers = {
        line.rsplit(" on worker ", 1)[1]
        for line in master_log.splitlines()
        if "Launching executor" in line
    }
    assert len(workers) == 2, master_log[-3000:]


def test_worked_example_marts_equal_duckdb_on_the_cluster(worked, worked_on_cluster):
    assert worked_on_cluster.returncode == 0, worked_on_cluster.output[-3000:]
    assert "ERROR=0" in worked_on_cluster.output
    tables = mart_tables(worked)
    assert len(tables) >= 29
    for table in tables:
        assert_same_rows(worked, worked_on_cluster, table, "Spark cluster")


def test_generated_ledger_marts_equal_duckdb_on_the_cluster(clean, clean_on_cluster):
    duckdb_build = clean[0]
    assert clean_on_cluster.returncode == 0, clean_on_cluster.output[-3000:]
    assert "ERROR=0" in clean_on_cluster.output
    tables = mart_tables(duckdb_build)
    assert len(tables) >= 29
    for table in tables:
        assert_same_rows(duckdb_build, clean_on_cluster, table, "Spark cluster")


def test_a_cluster_that_would_round_money_is_refused(root, spark_cluster, tmp_path):
    """A profile whose decimal setting the Thrift server ignores (a plain
    key, not set:hiveconf:<key>): the build stops before anything builds."""
    profile = (root / "profiles.yml").read_text()
    key = "spark.sql.decimalOperations.allowPrecisionLoss"
    assert f'"set:hiveconf:{key}": "false"' in profile
    (tmp_path / "profiles.yml").write_text(
        profile.replace(f'"set:hiveconf:{key}": "false"', f'"{key}": "false"')
    )
    refused = subprocess.run(
        [str(DBT), "build", "--no-use-colors", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=root,
        env={**os.environ, **spark_cluster, "RPM_TARGET": "spark_cluster",
             "DBT_PROFILES_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert refused.returncode != 0
    assert f"Spark setting {key} is true on target spark_cluster" in refused.stdout, refused.stdout[
        -2000:
    ]
    assert " START sql" not in refused.stdout
