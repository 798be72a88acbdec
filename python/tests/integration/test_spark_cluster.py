"""The Spark cluster path (issue 19): a local Spark standalone cluster, a
master and two workers with the Spark Thrift server as its driver
(scripts/spark_cluster.sh), and the profile's spark_cluster target (dbt-spark
method thrift). receivables-load loads the raw schema through the Thrift server and
`dbt build` runs every SQL model, data test and unit test there; every mart
row equals DuckDB's on the same extract, decimals exactly, doubles to a
relative 1e-9 (docs/spark.md); a cluster whose decimal setting would round
money is refused before anything builds. The cluster builds the worked
example; the generated ledger is built in session mode (test_spark_build.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def test_no_session_failed_to_close_on_the_thrift_server(spark_cluster, worked_on_cluster):
    """Every session of the build (receivables-load's and dbt's) closed cleanly:
    a close that reaches Hive's function registry without its LLAP class
    fails the client's command (and can hang the server's next sessions)."""
    thrift_log = (Path(spark_cluster["RPM_SPARK_CLUSTER_DIR"]) / "thrift.log").read_text()
    assert "Error closing session" not in thrift_log
    assert "NoClassDefFoundError" not in thrift_log


HIVE_REGISTRY_PROBE = """
import glob, os, sys, pyspark
from pyspark.java_gateway import launch_gateway
gateway = launch_gateway()
jvm = gateway.jvm
jars = glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "jars", "*.jar"))
for extra in ([], [sys.argv[1] + "/"]):
    urls = gateway.new_array(jvm.java.net.URL, len(jars) + len(extra))
    for i, path in enumerate(jars + extra):
        urls[i] = jvm.java.io.File(path).toURI().toURL()
    loader = jvm.java.net.URLClassLoader(urls, jvm.java.lang.ClassLoader.getPlatformClassLoader())
    try:
        jvm.java.lang.Class.forName("org.apache.hadoop.hive.ql.exec.FunctionRegistry", True, loader)
        print("initialised")
    except Exception as error:
        print("failed:", " ".join(str(error).split())[:400])
gateway.shutdown()
"""


def test_hive_function_registry_initialises_with_the_written_class(root, tmp_path):
    """The mechanism behind the clean closes, in one JVM: pyspark's jars
    alone cannot initialise Hive's FunctionRegistry (the class the Thrift
    server loads when a session closes on a thread without a Hive client);
    with the class scripts/write_llap_signable_class.py writes, they can."""
    subprocess.run(
        [sys.executable, str(root / "scripts" / "write_llap_signable_class.py"),
         str(tmp_path / "classes")],
        check=True,
    )  # fmt: skip
    probe = subprocess.run(
        [sys.executable, "-c", HIVE_REGISTRY_PROBE, str(tmp_path / "classes")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    outcomes = [
        line for line in probe.stdout.splitlines() if line.startswith(("initialised", "failed"))
    ]
    assert len(outcomes) == 2, probe.stdout + probe.stderr[-2000:]
    without_class, with_class = outcomes
    assert without_class.startswith("failed:")
    assert "org/apache/hadoop/hive/llap/security/LlapSigner$Signable" in without_class
    assert with_class == "initialised"


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
