"""Real `dbt build` runs on real DuckDB files, shared by the integration
tests (dbt costs seconds of fixed overhead per command): one build per
extract, module after module."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from generated import make_extract

from receivables_rpm.generator.next_day import next_day

DBT = Path(sys.executable).parent / "dbt"
LOAD = Path(sys.executable).parent / "receivables-load"
# Paths are data, never SQL text (test_extract_paths.py).
AWKWARD_FOLDER = "o'brien's extract/Ext räkt ✓"

# Every schema the project writes, as a production target names them; any
# other target prefixes them with its own schema (generate_schema_name).
PROJECT_SCHEMAS = (
    "raw",
    "seeds",
    "staging",
    "quarantine",
    "intermediate",
    "audit",
    "marts_build",
    "marts",
)


@dataclass
class Build:
    returncode: int
    output: str
    database: Path

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.sql(sql).df()

    def rows(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names and rows, values exact (DECIMAL as Decimal)."""
        with duckdb.connect(str(self.database), read_only=True) as con:
            result = con.sql(sql)
            return result.columns, result.fetchall()


def build_environment(root: Path, extract: Path, **variables: str) -> dict:
    """The environment of a load and build of `extract`: this process's,
    the project's profile, no usage statistics, and `variables` (the target,
    its connection or paths)."""
    return {
        **os.environ,
        "AR_EXTRACT_DIR": str(extract),
        "DBT_PROFILES_DIR": str(root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        **variables,
    }


def dbt_build(root: Path, extract: Path, workdir: Path, *args: str) -> Build:
    """`receivables-load` and `dbt build` of `extract` into workdir/rpm.duckdb; args
    go to dbt."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = build_environment(root, extract, AR_DUCKDB_PATH=str(workdir / "rpm.duckdb"))
    returncode, output = run_dbt_build(root, workdir, env, *args)
    return Build(returncode, output, workdir / "rpm.duckdb")


def run_dbt_build(root: Path, workdir: Path, env: dict, *args: str) -> tuple[int, str]:
    """`receivables-load` of AR_EXTRACT_DIR into the target (RPM_TARGET), then `dbt
    build` of the whole project, target and logs under workdir, as make run
    does; a failed load stops there."""
    load = subprocess.run(
        [str(LOAD), *(["--full-refresh"] if "--full-refresh" in args else [])],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if load.returncode != 0:
        return load.returncode, load.stdout + load.stderr
    completed = subprocess.run(
        [
            str(DBT),
            "build",
            "--no-use-colors",
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
            *args,
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return completed.returncode, load.stdout + completed.stdout + completed.stderr


@pytest.fixture(scope="session")
def clean(root, tmp_path_factory):
    work = tmp_path_factory.mktemp("clean")
    summary = make_extract(work / "extract", file_format="parquet")
    return dbt_build(root, work / "extract", work / "build"), summary


DEMO = {"customers": 2000, "months": 36, "start": dt.date(2023, 1, 1), "seed": 42}


@pytest.fixture(scope="session")
def demo(root, tmp_path_factory):
    """The demo ledger (receivables-generate's defaults): the divergence signal needs
    segments of some size and a year of history before its windows."""
    work = tmp_path_factory.mktemp("demo")
    summary = make_extract(work / "extract", file_format="parquet", **DEMO)
    return dbt_build(root, work / "extract", work / "build"), summary


@pytest.fixture(scope="session")
def unpatterned(root, tmp_path_factory):
    """The demo ledger generated without the planted divergence patterns."""
    work = tmp_path_factory.mktemp("unpatterned")
    make_extract(work / "extract", file_format="parquet", plant_patterns=False, **DEMO)
    return dbt_build(root, work / "extract", work / "build")


@pytest.fixture(scope="session")
def audited(root, worked_example, tmp_path_factory):
    """Two runs into one database: the worked example plus a dispute on
    INV1, then a later extract in which INV3's due date moved (03-07 ->
    03-14), customer C1 moved from region EMEA to DACH, the dispute is gone,
    and two events arrived: a payment of 300 on INV3 dated 2026-03-05 and a
    back-dated credit memo CM2 (-50 EUR on INV2, dated and applied
    2026-01-25), which restates the closed January. Returns the first run's
    closed KPI values, the second build, and both extract folders."""
    work = tmp_path_factory.mktemp("audited")
    first = work / "extract_1"
    shutil.copytree(worked_example, first, ignore=shutil.ignore_patterns("*.md"))
    (first / "disputes.csv").write_text(
        "dispute_id,document_id,customer_id,dispute_type,disputed_amount,opened_date,"
        "resolved_date,resolution\nDP1,INV1,C1,pricing,100,2026-02-15,,\n"
    )
    build = dbt_build(root, first, work / "build")
    assert build.returncode == 0, build.output[-3000:]
    reported = build.query(
        "select kpi_value_id, kpi_value from marts.rpt_kpi_values where is_closed"
    )
    second = work / "extract_2"
    shutil.copytree(worked_example, second, ignore=shutil.ignore_patterns("*.md"))
    documents = (second / "ar_documents.csv").read_text()
    documents = documents.replace(
        "INV3,1003,INV,C1,US01,2026-02-05,2026-02-05,2026-03-07,USD,1000,0,,,2026-02-05T00:00:00",
        "INV3,1003,INV,C1,US01,2026-02-05,2026-02-05,2026-03-14,USD,1000,0,,,2026-02-20T00:00:00",
    )
    documents += (
        "CM2,9002,CM,C1,US01,2026-01-25,2026-01-25,2026-01-25,EUR,-50,0,INV2,,2026-01-25T00:00:00\n"
    )
    (second / "ar_documents.csv").write_text(documents)
    customers = (second / "customers.csv").read_text()
    (second / "customers.csv").write_text(customers.replace(",DE,EMEA,", ",DE,DACH,"))
    with open(second / "cash_receipts.csv", "a") as f:
        f.write("R2,C1,US01,2026-03-05,USD,300,wire,cleared,\n")
    with open(second / "cash_applications.csv", "a") as f:
        f.write("A3,INV3,receipt,R2,2026-03-05,300,0\n")
        f.write("A4,INV2,credit_memo,CM2,2026-01-25,50,0\n")
    return reported, dbt_build(root, second, work / "build"), (first, second)


@pytest.fixture(scope="session")
def messy(root, tmp_path_factory):
    work = tmp_path_factory.mktemp("messy")
    make_extract(work / "extract", customers=300, months=24, messy=0.003)
    manifest = pd.read_csv(work / "extract" / "_manifest" / "defects.csv", dtype=str)
    return dbt_build(root, work / "extract", work / "build"), manifest


@pytest.fixture(scope="session")
def rejected(root, tmp_path_factory):
    work = tmp_path_factory.mktemp("rejected")
    make_extract(work / "extract", customers=120, months=12, messy=0.05)
    return dbt_build(root, work / "extract", work / "build")


@pytest.fixture(scope="session")
def worked(root, worked_example, tmp_path_factory):
    work = tmp_path_factory.mktemp("worked")
    return dbt_build(root, worked_example, work / "build")


@pytest.fixture(scope="session")
def restated(root, worked_example, tmp_path_factory):
    """The worked example plus a payment dated after the February month end
    (2026-03-05, 300 on INV3) and a back-dated credit memo (CM2, -50 EUR on
    INV2, dated and applied 2026-01-25): a later extract restating January;
    ar_documents.csv with its columns reversed and one column more."""
    work = tmp_path_factory.mktemp("restated")
    extract = work / "extract"
    shutil.copytree(worked_example, extract, ignore=shutil.ignore_patterns("*.md"))
    with open(extract / "cash_receipts.csv", "a") as f:
        f.write("R2,C1,US01,2026-03-05,USD,300,wire,cleared,\n")
    # The contract does not guarantee column order and allows extra columns:
    # this extract reverses ar_documents' columns and adds one it does not know.
    documents = pd.read_csv(extract / "ar_documents.csv", dtype=str)
    credit_memo = {
        "document_id": "CM2",
        "document_number": "9002",
        "document_type": "CM",
        "customer_id": "C1",
        "company_code": "US01",
        "document_date": "2026-01-25",
        "posting_date": "2026-01-25",
        "due_date": "2026-01-25",
        "currency_code": "EUR",
        "amount": "-50",
        "tax_amount": "0",
        "reference_document_id": "INV2",
        "source_updated_at": "2026-01-25T00:00:00",
    }
    documents = pd.concat([documents, pd.DataFrame([credit_memo])], ignore_index=True)
    documents["erp_internal_flag"] = "x"
    documents[documents.columns[::-1]].to_csv(extract / "ar_documents.csv", index=False)
    with open(extract / "cash_applications.csv", "a") as f:
        f.write("A3,INV3,receipt,R2,2026-03-05,300,0\n")
        f.write("A4,INV2,credit_memo,CM2,2026-01-25,50,0\n")
    return dbt_build(root, extract, work / "build")


# The worked example plus the shapes real ERPs produce that spec v2 rules on
# (python/tests/integration/test_v2_ledger.py computes every figure by hand).
V2_LEDGER_ROWS = {
    "customers.csv": [
        "C2,Beta Ltd,,,,EMEA,2021-01-01,5000,USD,30,K1,,,",
        "C3,Gamma Inc,,Retail,US,AMER,2022-01-01,1000,USD,30,K1,,,",
        "C4,Delta Inc,,Retail,US,AMER,2022-01-01,1000,USD,30,K1,,,",
    ],
    "ar_documents.csv": [
        "INV4,1004,INV,C2,US01,2026-02-10,2026-02-10,2026-01-31,USD,500,0,,,2026-02-10T00:00:00",
        "INV5,1005,INV,C2,US01,2026-03-02,2026-03-02,2026-02-10,USD,300,0,,,2026-03-02T00:00:00",
        "INV6,1006,INV,C1,US01,2026-01-05,2026-01-05,2026-02-04,USD,400,0,,,2026-01-05T00:00:00",
        "INV7,1007,INV,C3,US01,2026-03-03,2026-03-03,2026-03-05,USD,100,0,,,2026-03-03T00:00:00",
        "INV8,1008,INV,C4,US01,2026-01-15,2026-01-15,2026-02-14,USD,100,0,,,2026-01-15T00:00:00",
    ],
    "cash_receipts.csv": [
        "R3,C2,US01,2026-03-10,USD,350,wire,cleared,",
        "R4,C1,US01,2026-03-15,USD,150,wire,cleared,",
        "R5,C1,US01,2026-03-05,USD,100,check,cleared,2026-03-20",
        "R6,C2,US01,2026-02-01,USD,200,wire,cleared,",
        "R7,C3,US01,2026-03-03,USD,130,wire,cleared,",
        "R8,C4,US01,2026-01-20,USD,100,wire,cleared,",
        "R9,C1,DE01,2026-03-09,USD,110,wire,cleared,",
    ],
    "cash_applications.csv": [
        "A3,INV5,receipt,R3,2026-03-12,350,0",
        "A4,INV6,receipt,R4,2026-03-18,150,0",
        "A5,INV3,receipt,R5,2026-03-05,60,0",
        "A6,INV3,receipt,R5,2026-03-25,40,0",
        "A7,INV4,receipt,R6,2026-02-05,200,0",
        "A8,INV7,receipt,R7,2026-03-03,130,0",
        "A9,INV8,receipt,R8,2026-01-20,100,0",
    ],
    "adjustments.csv": ["J2,INV6,2026-02-20,write_off,400,insolvency,M. Credit"],
    "fx_rates.csv": ["2026-03-06,EUR,USD,1.25"],
}
V2_LEDGER_FILES = {
    "promises_to_pay.csv": (
        "promise_id,customer_id,activity_id,document_id,created_date,promised_date,"
        "promised_amount,currency_code\nP1,C1,,,2026-03-01,2026-03-10,80,EUR\n"
    ),
    "cash_forecasts.csv": (
        "forecast_id,made_on_date,company_code,period_start,forecast_amount\n"
        "F1,2026-02-25,US01,2026-03-01,500\n"
    ),
}


def write_v2_ledger(worked_example: Path, extract: Path) -> None:
    shutil.copytree(worked_example, extract, ignore=shutil.ignore_patterns("*.md"))
    for name, rows in V2_LEDGER_ROWS.items():
        with open(extract / name, "a") as f:
            f.write("".join(row + "\n" for row in rows))
    for name, text in V2_LEDGER_FILES.items():
        (extract / name).write_text(text)


@pytest.fixture(scope="session")
def v2_ledger(root, worked_example, tmp_path_factory):
    """The worked example plus: a blank industry and country (C2); invoices
    entered after they fell due (INV4, INV5); over-applied invoices (INV5,
    and INV7, C3's only one); a write-off followed by a payment (INV6); a
    receipt with status cleared and a reversal_date, applied once before and
    once after it (R5); an application dated before its invoice (A7); an
    account idle in March but active through a January invoice (C4); cash in
    a second company (R9, DE01); a EUR promise paid in USD (P1); a treasury
    forecast for one of two companies (F1). Built twice, into two fresh
    database files (identical rebuilds)."""
    work = tmp_path_factory.mktemp("v2_ledger")
    write_v2_ledger(worked_example, work / "extract")
    return dbt_build(root, work / "extract", work / "build"), dbt_build(
        root, work / "extract", work / "rebuild"
    )


@pytest.fixture(scope="session")
def v2_ledger_mid_march(root, worked_example, tmp_path_factory):
    """The v2 ledger plus a dispute on INV3 (opened 03-10, resolved 03-25)
    and deliveries (INV5 by email on 03-03, INV7 by paper on 03-16), built
    with the var extract_date 2026-03-15: what is dated after it does not
    exist yet, what was learned after it is not known yet."""
    work = tmp_path_factory.mktemp("v2_mid_march")
    write_v2_ledger(worked_example, work / "extract")
    documents = pd.read_csv(work / "extract" / "ar_documents.csv", dtype=str)
    sent = {"INV5": ("2026-03-03", "email"), "INV7": ("2026-03-16", "paper")}
    documents["sent_date"] = documents.document_id.map(lambda d: sent.get(d, (None,))[0])
    documents["delivery_channel"] = documents.document_id.map(
        lambda d: sent.get(d, (None, None))[1]
    )
    documents.to_csv(work / "extract" / "ar_documents.csv", index=False)
    (work / "extract" / "disputes.csv").write_text(
        "dispute_id,document_id,customer_id,dispute_type,disputed_amount,opened_date,"
        "resolved_date,resolution\nDP1,INV3,C1,pricing,100,2026-03-10,2026-03-25,credited\n"
    )
    return dbt_build(
        root, work / "extract", work / "build", "--vars", "{extract_date: '2026-03-15'}"
    )


@pytest.fixture(scope="session")
def next_day_builds(root, clean, tmp_path_factory):
    """(incremental build, full build, the day before's build)."""
    before = clean[0]
    assert before.returncode == 0, before.output[-3000:]
    work = tmp_path_factory.mktemp("incremental")
    extract = before.database.parent.parent / "extract"
    next_day(extract, work / "next_day")
    (work / "incremental").mkdir()
    shutil.copy(before.database, work / "incremental" / "rpm.duckdb")
    incremental = dbt_build(root, work / "next_day", work / "incremental")
    full = dbt_build(root, work / "next_day", work / "full")
    return incremental, full, before


# ---- Postgres: the same project on a throwaway cluster (scripts/) ----------


@dataclass
class PostgresBuild:
    returncode: int
    output: str
    connection: dict

    def connect_arguments(self, role: str = "owner") -> dict:
        """psycopg2.connect keyword arguments for this database as a role."""
        user, password = {
            "owner": ("rpm_owner", "RPM_PG_PASSWORD"),
            "bi_reader": ("rpm_bi_reader", "RPM_PG_BI_PASSWORD"),
            "auditor": ("rpm_auditor", "RPM_PG_AUDITOR_PASSWORD"),
        }[role]
        return {
            "host": self.connection["RPM_PG_HOST"],
            "port": int(self.connection["RPM_PG_PORT"]),
            "dbname": self.connection["RPM_PG_DATABASE"],
            "user": user,
            "password": self.connection[password],
        }

    def connect(self, role: str = "owner", application_name: str | None = None):
        """A connection; application_name as a build or load names its own."""
        import psycopg2

        extra = {"application_name": application_name} if application_name else {}
        return psycopg2.connect(**self.connect_arguments(role), **extra)

    def query(self, sql: str) -> pd.DataFrame:
        with self.connect() as con, con.cursor() as cur:
            cur.execute(sql)
            return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    def rows(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names and rows, values exact (NUMERIC as Decimal)."""
        with self.connect() as con, con.cursor() as cur:
            cur.execute(sql)
            return [d.name for d in cur.description], cur.fetchall()


@pytest.fixture(scope="session")
def postgres(root) -> dict:
    """Starts (installing it when missing) the project's throwaway PostgreSQL
    15 cluster and returns its connection variables."""
    script = root / "scripts" / "postgres_cluster.sh"
    subprocess.run([str(script), "start"], check=True, timeout=600)
    printed = subprocess.run(
        [str(script), "env"], check=True, capture_output=True, text=True
    ).stdout
    return dict(line.removeprefix("export ").split("=", 1) for line in printed.splitlines())


def postgres_build(
    root: Path, extract: Path, workdir: Path, connection: dict, database: str, fresh: bool = True
) -> PostgresBuild:
    """A fresh database on the cluster (or, fresh=False, the one already
    there), the raw load, then `dbt build --target postgres`."""
    if fresh:
        fresh_postgres_database(connection, database)
    return _load_and_build(root, extract, workdir, {**connection, "RPM_PG_DATABASE": database})


def fresh_postgres_database(connection: dict, database: str) -> dict:
    """An empty database on the cluster that the reader roles may connect
    to; the connection variables for it."""
    admin = PostgresBuild(0, "", connection).connect()
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {database} with (force)")
        cur.execute(f"create database {database}")
        cur.execute(f"revoke all on database {database} from public")
        cur.execute(f"grant connect on database {database} to rpm_bi_reader, rpm_auditor")
    admin.close()
    return {**connection, "RPM_PG_DATABASE": database}


def _load_and_build(root: Path, extract: Path, workdir: Path, connection: dict) -> PostgresBuild:
    workdir.mkdir(parents=True, exist_ok=True)
    env = build_environment(root, extract, **connection, RPM_TARGET="postgres")
    returncode, output = run_dbt_build(root, workdir, env)
    return PostgresBuild(returncode, output, connection)


@pytest.fixture(scope="session")
def clean_on_postgres(root, clean, postgres, tmp_path_factory):
    """The `clean` fixture's extract, built on Postgres."""
    extract = clean[0].database.parent.parent / "extract"
    return postgres_build(
        root, extract, tmp_path_factory.mktemp("clean_pg"), postgres, "rpm_test_clean"
    )


@pytest.fixture(scope="session")
def worked_on_postgres(root, worked_example, postgres, tmp_path_factory):
    return postgres_build(
        root, worked_example, tmp_path_factory.mktemp("worked_pg"), postgres, "rpm_test_worked"
    )


@pytest.fixture(scope="session")
def worked_rebuilt_on_postgres(root, worked_on_postgres, restated, postgres, tmp_path_factory):
    """The worked example's Postgres database built again on a later extract
    (the `restated` fixture's): Postgres loads are whole, so the incremental
    models restate everything."""
    assert worked_on_postgres.returncode == 0
    extract = restated.database.parent.parent / "extract"
    work = tmp_path_factory.mktemp("worked_pg_2")
    return postgres_build(root, extract, work, postgres, "rpm_test_worked", fresh=False)


@dataclass
class SparkBuild:
    """A build on the local Spark target: its tables are Parquet folders
    under warehouse/<schema>.db/<table>, read here through DuckDB."""

    returncode: int
    output: str
    warehouse: Path

    def _tables(self, con) -> None:
        for schema_dir in sorted(self.warehouse.glob("*.db")):
            schema = schema_dir.name.removesuffix(".db")
            con.execute(f"create schema if not exists {schema}")
            for table_dir in sorted(p for p in schema_dir.iterdir() if p.is_dir()):
                if any(table_dir.glob("*.parquet")):
                    con.execute(
                        f"create view {schema}.{table_dir.name} as select * from "
                        f"read_parquet('{table_dir}/*.parquet')"
                    )

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect() as con:
            self._tables(con)
            return con.sql(sql).df()

    def rows(self, sql: str) -> tuple[list[str], list[tuple]]:
        """Column names and rows, values exact (DECIMAL as Decimal)."""
        with duckdb.connect() as con:
            self._tables(con)
            result = con.sql(sql)
            return result.columns, result.fetchall()


def spark_build(root: Path, extract: Path, workdir: Path) -> SparkBuild:
    """`dbt build --target spark` (dbt-spark session mode: Spark runs inside
    the dbt process), its warehouse and metastore under workdir."""
    subprocess.run([str(root / "scripts" / "install_java.sh")], check=True, timeout=600)
    workdir.mkdir(parents=True, exist_ok=True)
    env = build_environment(root, extract, RPM_TARGET="spark", RPM_SPARK_DIR=str(workdir / "spark"))
    returncode, output = run_dbt_build(root, workdir, env)
    return SparkBuild(returncode, output, workdir / "spark" / "warehouse")


@pytest.fixture(scope="session")
def clean_on_spark(root, clean, tmp_path_factory):
    """The `clean` fixture's extract built on Spark, from a folder whose path
    holds an apostrophe, spaces and non-ASCII letters (Spark SQL gets paths
    as escaped literals). The one Spark build in session mode: the cluster
    builds the worked example (test_spark_cluster.py)."""
    work = tmp_path_factory.mktemp("clean_spark")
    shutil.copytree(clean[0].database.parent.parent / "extract", work / AWKWARD_FOLDER)
    return spark_build(root, work / AWKWARD_FOLDER, work)


# ---- Spark standalone cluster through the Thrift server (scripts/) --------


@pytest.fixture(scope="session")
def spark_cluster(root, tmp_path_factory):
    """A local Spark standalone cluster (a master, two workers, the Thrift
    server) started by scripts/spark_cluster.sh for the session, stopped
    after; its connection variables."""
    cluster_dir = tmp_path_factory.mktemp("spark_cluster")
    env = {**os.environ, "RPM_SPARK_CLUSTER_DIR": str(cluster_dir)}
    script = str(root / "scripts" / "spark_cluster.sh")
    subprocess.run([script, "start"], env=env, check=True, timeout=900)
    try:
        yield {
            "RPM_SPARK_CLUSTER_DIR": str(cluster_dir),
            "RPM_SPARK_THRIFT_HOST": "127.0.0.1",
            "RPM_SPARK_THRIFT_PORT": os.environ.get("RPM_SPARK_THRIFT_PORT", "10001"),
        }
    finally:
        subprocess.run([script, "stop"], env=env, timeout=300)


def spark_cluster_build(root: Path, extract: Path, workdir: Path, cluster: dict) -> SparkBuild:
    """`receivables-load` and `dbt build` of `extract` on the target spark_cluster;
    the cluster's warehouse is then copied to workdir (the next build on the
    cluster replaces its tables)."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = build_environment(root, extract, **cluster, RPM_TARGET="spark_cluster")
    returncode, output = run_dbt_build(root, workdir, env)
    warehouse = Path(cluster["RPM_SPARK_CLUSTER_DIR"]) / "warehouse"
    shutil.copytree(warehouse, workdir / "warehouse")
    return SparkBuild(returncode, output, workdir / "warehouse")
