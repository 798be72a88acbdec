"""Benchmarks (reported, never asserted): `make bench` or

    python bench/run_benchmarks.py generator --invoices 100000 1000000 10000000
    python bench/run_benchmarks.py build --invoices 176000 1000000
    python bench/run_benchmarks.py postgres --invoices 100000 1000000
    python bench/run_benchmarks.py spark --invoices 100000

generator  receivables-generate to Parquet at about N invoices: wall time, peak memory
           (max RSS of the process), rows and bytes written.
build      generate (Parquet), load it (receivables-load), then `dbt build` in steps: the ledger
           core (selector ledger_core), then the KPI marts (selector domains,
           models and their tests): wall time of each, peak memory, time per
           model (run_results.json), the database size, and as a floor the
           time DuckDB takes to scan every raw file once; then the next
           day's export (receivables-next-day) and an incremental build of the
           ledger core on the same database.
compare    the project (receivables-load, then dbt build step by step) beside two
           baselines on the same extract, with the ratios: a pandas
           computation of the whole-ledger monthly KPIs and one DuckDB query
           for month-end AR and buckets (the floor): bench/baselines.py.
incremental  on the database a `build --keep` left: one more day with
           `dbt build`, then one more with `dbt run`, recorded beside the
           full build (the code may have changed since: the stored tables
           are what a full build of that code holds, or the run says so).
postgres   the same extract on the throwaway Postgres cluster: raw load,
           full `dbt build`, time per model, database size, and the build on
           the next day's export (Postgres loads are whole: it restates
           everything).
v2         what spec v2's models (issue 20, V2_MODELS) cost: generate, load,
           one `dbt build` of every layer; the summed execution time of the
           v2 models and of their data and unit tests beside the rest of the
           same run (and of the v1 KPI domain within it), their rows, the
           wall time and peak memory.
spark      the same on the local Spark target (dbt-spark session mode,
           threads 1): raw load (receivables-load), full `dbt build`, time per model,
           warehouse size, and the next day's build (whole, like Postgres).
Results are printed as Markdown and saved under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "data" / "bench"
INVOICES_PER_CUSTOMER = 79.6  # INV documents per customer at 36 months, default mix
# The layers, as selectors.yml names them.
BUILD_STEPS = [
    ("ledger core", ["--selector", "ledger_core"]),
    ("kpis and operations", ["--selector", "domains"]),
    ("audit trail", ["--selector", "audit_trail"]),
]
# The ledger core step builds staging, validation and core (customers,
# promises and the risk score included). The KPI and operations domains
# build in one step (operations reads the KPI domain's periods and segment
# facts) and its wall time is split between them in proportion to the
# summed execution time of each layer's models and tests.
LAYERS = ["kpis", "operations"]
# The models spec v2 added (issue 20): closing rates, credit limits, paid
# documents and days beyond terms, billing cohorts, aging schemes, forecast
# error, delivery and working capital. The wide marts' new columns are
# computed inside existing models and are not separable here.
V2_MODELS = [
    "int_ar_paid_documents",
    "int_ar_document_payments",
    "int_customer_days_beyond_terms",
    "int_cash_forecast_errors",
    "rpt_cash_forecast_errors",
    "int_kpi_billing_cohorts",
    "int_aging_bucket_schemes",
    "rpt_ar_aging_by_scheme",
    "rpt_ar_aging_age_by_past_due",
    "int_fx_closing_rates",
    "int_ar_closing_rate_balances",
    "int_ar_closing_rate_totals",
    "rpt_ar_closing_rate_balances",
    "rpt_ar_closing_rate_totals",
    "int_credit_limit_exposures",
    "int_credit_limit_use",
    "int_kpi_credit_limit_use",
    "rpt_customer_credit_limit_use",
    "base_erp__working_capital",
    "stg_erp__working_capital",
    "int_working_capital_months",
    "int_kpi_working_capital",
    "int_kpi_delivery_channels",
    "rpt_invoice_delivery_channels",
    "rpt_billing_cohorts",
]


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in GB of the child, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run(
        cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed:\n{completed.stdout[-3000:]}{completed.stderr[-3000:]}"
        )
    # ru_maxrss of children is the max over all children so far: run one
    # benchmark per process invocation for exact figures (make bench does).
    return seconds, max(peak, before) / 1024 / 1024, completed.stdout


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, "
        f"Python {platform.python_version()}"
    )


def generate(invoices: int, out: Path) -> dict:
    customers = max(int(invoices / INVOICES_PER_CUSTOMER), 10)
    seconds, peak, _ = run(
        [
            str(BIN / "receivables-generate"),
            "--customers",
            str(customers),
            "--format",
            "parquet",
            "--out",
            str(out),
        ]
    )
    summary = json.loads((out / "_manifest" / "generation.json").read_text())
    size = sum(p.stat().st_size for p in out.glob("*.parquet"))
    types = pq.read_table(out / "ar_documents.parquet", columns=["document_type"])
    return {
        "customers": customers,
        "invoices": pc.sum(pc.equal(types["document_type"], "INV")).as_py(),
        "documents": summary["rows"]["ar_documents"],
        "rows_all_tables": sum(summary["rows"].values()),
        "seconds": round(seconds, 1),
        "peak_rss_gb": round(peak, 2),
        "parquet_mb": round(size / 1024**2, 1),
    }


def scan_floor(extract: Path) -> float:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    for path in sorted(extract.glob("*.parquet")):
        con.sql(f"select count(*), max(columns(*)::varchar) from read_parquet('{path}')").fetchall()
    return round(time.perf_counter() - started, 1)


def load_and_build_in_steps(env: dict, target: Path) -> tuple[dict, list[dict], float]:
    """receivables-load, then `dbt build` of each of BUILD_STEPS on top of the
    previous one: seconds per step (rounded to 0.1), every node's result
    (run_results.json, with its step) and the peak memory of them all."""
    load_seconds, peak, _ = run([str(BIN / "receivables-load")], env)
    steps = {"raw load": round(load_seconds, 1)}
    results = []
    for step, selection in BUILD_STEPS:
        seconds, step_peak, _ = run(
            [str(BIN / "dbt"), "build", *selection, "--target-path", str(target)], env
        )
        step_results = json.loads((target / "run_results.json").read_text())["results"]
        results += [{**r, "step": step} for r in step_results]
        steps[step] = round(seconds, 1)
        peak = max(peak, step_peak)
    return steps, results, peak


def build(invoices: int, reuse_extract: bool = False) -> dict:
    extract = WORK / f"extract_{invoices}"
    if reuse_extract and (extract / "_manifest" / "generation.json").exists():
        generated = json.loads((RESULTS / f"generator_{invoices}.json").read_text())
        generated.pop("machine", None)
    else:
        generated = generate(invoices, extract)
    database = WORK / f"rpm_{invoices}.duckdb"
    database.unlink(missing_ok=True)
    target = WORK / f"target_{invoices}"
    env = {
        "AR_EXTRACT_DIR": str(extract),
        "AR_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(ROOT),
    }
    # Each layer on top of the previous one, so that each one's cost is its
    # own step: issue 4 allows the KPI marts 30 % of the ledger core, issue 5
    # the operations marts (collections, disputes, reserves) 40 %.
    steps, results, peak = load_and_build_in_steps(env, target)
    model_step = {r["unique_id"].split(".")[-1]: r["step"] for r in results}
    published = publication(database)
    incremental = incremental_run(extract, env, target, BUILD_STEPS[0][1])
    layer_of = node_layers(target)
    busy = {layer: 0.0 for layer in LAYERS}
    for r in results:
        if layer_of.get(r["unique_id"]) in busy:
            busy[layer_of[r["unique_id"]]] += r["execution_time"]
    layers = {
        layer: round(steps["kpis and operations"] * busy[layer] / sum(busy.values()), 1)
        for layer in LAYERS
    }
    per_model = sorted(
        (
            (r["unique_id"].split(".")[-1], round(r["execution_time"], 2))
            for r in results
            if r["unique_id"].startswith("model.")
        ),
        key=lambda item: -item[1],
    )
    tests_seconds = sum(r["execution_time"] for r in results if r["unique_id"].startswith("test."))
    rows = model_rows(database, [name for name, _ in per_model])
    return {
        **generated,
        "build_seconds": round(sum(steps.values()), 1),
        "step_seconds": steps,
        "layer_seconds": layers,
        "share_of_ledger_core": {
            layer: round(seconds / steps["ledger core"], 3) for layer, seconds in layers.items()
        },
        "build_peak_rss_gb": round(peak, 2),
        "incremental": {
            **incremental,
            "share_of_ledger_core": round(
                incremental["seconds"] / (steps["raw load"] + steps["ledger core"]), 3
            ),
        },
        "publication": published,
        "database_mb": round(database.stat().st_size / 1024**2, 1),
        "raw_scan_floor_seconds": scan_floor(extract),
        "data_tests_seconds": round(tests_seconds, 1),
        "models": [
            {
                "model": name,
                "seconds": sec,
                "rows": rows.get(name),
                "step": layer_of.get(f"model.rpm.{name}") or model_step.get(name),
            }
            for name, sec in per_model
        ],
    }


def v2_cost(invoices: int) -> dict:
    """Spec v2's models within one full build, beside the rest of it."""
    extract = WORK / f"extract_{invoices}"
    generated = generate(invoices, extract)
    database = WORK / f"rpm_{invoices}.duckdb"
    database.unlink(missing_ok=True)
    target = WORK / f"target_{invoices}"
    env = {
        "AR_EXTRACT_DIR": str(extract),
        "AR_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(ROOT),
    }
    load_seconds, load_peak, _ = run([str(BIN / "receivables-load")], env)
    build_seconds, build_peak, _ = run(
        [str(BIN / "dbt"), "build", "--target-path", str(target)], env
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    v2_ids = {f"model.rpm.{name}" for name in V2_MODELS}
    missing = v2_ids - set(manifest["nodes"])
    if missing:
        raise RuntimeError(f"V2_MODELS names models the project no longer has: {missing}")
    kpi_ids = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and "kpis" in node.get("tags", [])
    }

    def owner(unique_id: str) -> str:
        """'v2', 'v1 kpis' or 'rest': a test belongs to the model it tests."""
        node = manifest["nodes"].get(unique_id, {})
        parents = (
            node.get("depends_on", {}).get("nodes", [])
            if node.get("resource_type") in ("test", "unit_test")
            else [unique_id]
        )
        if unique_id.startswith("unit_test."):
            parents = [f"model.rpm.{manifest['unit_tests'][unique_id]['model']}"]
        if any(p in v2_ids for p in parents):
            return "v2"
        if any(p in kpi_ids for p in parents):
            return "v1 kpis"
        return "rest"

    seconds = {"v2": 0.0, "v1 kpis": 0.0, "rest": 0.0}
    models = dict.fromkeys(seconds, 0)
    for r in results:
        group = owner(r["unique_id"])
        seconds[group] += r["execution_time"]
        models[group] += r["unique_id"].startswith("model.")
    total = sum(seconds.values())
    v2_rows = model_rows(database, V2_MODELS)
    return {
        **generated,
        "load_seconds": round(load_seconds, 1),
        "build_seconds": round(build_seconds, 1),
        "peak_rss_gb": round(max(load_peak, build_peak), 2),
        "node_seconds": {group: round(value, 1) for group, value in seconds.items()},
        "models": models,
        "v2_share_of_node_seconds": round(seconds["v2"] / total, 3),
        # The build's wall time apportioned by summed node time (two threads).
        "v2_wall_seconds_estimate": round(build_seconds * seconds["v2"] / total, 1),
        "v2_slowest": sorted(
            (
                [r["unique_id"].split(".")[-1], round(r["execution_time"], 1)]
                for r in results
                if r["unique_id"] in v2_ids
            ),
            key=lambda item: -item[1],
        )[:8],
        "v2_rows": sum(v2_rows.values()),
        "v2_rows_per_model": v2_rows,
        "v2_seconds_per_model": {
            r["unique_id"].split(".")[-1]: round(r["execution_time"], 1)
            for r in results
            if r["unique_id"] in v2_ids
        },
    }


def publication(database: Path, source: str = "marts_build", schema: str = "marts") -> dict:
    """What publish_marts does after a green build, timed: every public mart
    copied from `source` into `schema` in one transaction, then a checkpoint
    (the steps above select part of the marts each, so none publishes).
    Wall time, rows copied and the growth of the database file."""
    import duckdb

    size = database.stat().st_size
    con = duckdb.connect(str(database))
    tables = [
        name
        for (name,) in con.sql(
            f"select table_name from duckdb_tables() where schema_name = '{source}' order by 1"
        ).fetchall()
    ]
    rows = con.sql(
        f"select sum(estimated_size) from duckdb_tables() where schema_name = '{source}'"
    ).fetchone()[0]
    started = time.perf_counter()
    con.execute("begin transaction")
    con.execute(f"create schema if not exists {schema}")
    for name in tables:
        con.execute(f"drop table if exists {schema}.{name}")
        con.execute(f"create table {schema}.{name} as select * from {source}.{name}")
    con.execute("commit")
    con.execute("checkpoint")
    seconds = time.perf_counter() - started
    con.close()
    return {
        "marts": len(tables),
        "rows": int(rows or 0),
        "seconds": round(seconds, 1),
        "database_growth_mb": round((database.stat().st_size - size) / 1024**2, 1),
    }


def incremental_run(
    extract: Path, env: dict, target: Path, selection: list[str], command: str = "build"
) -> dict:
    """The next day's export of `extract` (receivables-next-day), then the ledger
    core built incrementally on the same database (`dbt build`, or `dbt run`
    without the data tests): wall time, peak memory, the rows that changed
    and the slowest models."""
    next_extract = extract.parent / f"{extract.name}_next_day"
    run([str(BIN / "receivables-next-day"), "--extract", str(extract), "--out", str(next_extract)])
    next_env = {**env, "AR_EXTRACT_DIR": str(next_extract)}
    load_seconds, load_peak, _ = run([str(BIN / "receivables-load")], next_env)
    build_seconds, peak, _ = run(
        [str(BIN / "dbt"), command, *selection, "--target-path", str(target)], next_env
    )
    seconds = load_seconds + build_seconds
    peak = max(peak, load_peak)
    results = json.loads((target / "run_results.json").read_text())["results"]
    import duckdb

    con = duckdb.connect(env["AR_DUCKDB_PATH"], read_only=True)
    changed = dict(con.sql("select change, count(*) from raw._changed_rows group by 1").fetchall())
    restated = dict(
        con.sql(
            "select key_type, count(*) from intermediate.int_restatement_keys group by 1"
        ).fetchall()
    )
    con.close()
    return {
        "command": f"receivables-load, dbt {command}",
        "extract": next_extract.name,
        "seconds": round(seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "peak_rss_gb": round(peak, 2),
        "raw_rows_changed": changed,
        "restated_keys": restated,
        "models_seconds": kind_seconds(results, "model"),
        "tests_seconds": kind_seconds(results, "test"),
        "slowest_models": slowest_nodes(results, "model", 12),
    }


def postgres_build(invoices: int) -> dict:
    """The same extract on the throwaway Postgres 15 cluster: raw load
    (receivables-load) and the full `dbt build` (every layer, one step),
    time per model, database size. Postgres loads are whole, so a build on
    the next day's export restates everything: it is timed too."""
    extract = WORK / f"extract_{invoices}"
    generated = (
        generate(invoices, extract)
        if not (extract / "_manifest" / "generation.json").exists()
        else {"invoices": invoices}
    )
    script = ROOT / "scripts" / "postgres_cluster.sh"
    subprocess.run([str(script), "start"], check=True)
    printed = subprocess.run([str(script), "env"], check=True, capture_output=True, text=True)
    connection = dict(
        line.removeprefix("export ").split("=", 1) for line in printed.stdout.splitlines()
    )
    database = f"rpm_bench_{invoices}"
    import psycopg2

    admin = psycopg2.connect(
        host=connection["RPM_PG_HOST"],
        port=int(connection["RPM_PG_PORT"]),
        dbname=connection["RPM_PG_DATABASE"],
        user=connection["RPM_PG_USER"],
        password=connection["RPM_PG_PASSWORD"],
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {database} with (force)")
        cur.execute(f"create database {database}")
    target = WORK / f"target_postgres_{invoices}"
    env = {
        **connection,
        "RPM_PG_DATABASE": database,
        "RPM_TARGET": "postgres",
        "AR_EXTRACT_DIR": str(extract),
        "DBT_PROFILES_DIR": str(ROOT),
    }
    load_seconds, _, _ = run([str(BIN / "receivables-load")], env)
    build_seconds, build_peak, _ = run(
        [str(BIN / "dbt"), "build", "--target-path", str(target)], env
    )
    times = test_and_model_seconds(target)
    with admin.cursor() as cur:
        cur.execute("select pg_database_size(%s)", (database,))
        size = cur.fetchone()[0]
    next_extract = extract.parent / f"{extract.name}_next_day"
    if not next_extract.exists():
        run(
            [
                str(BIN / "receivables-next-day"),
                "--extract",
                str(extract),
                "--out",
                str(next_extract),
            ]
        )
    next_env = {**env, "AR_EXTRACT_DIR": str(next_extract)}
    next_load, _, _ = run([str(BIN / "receivables-load")], next_env)
    next_build, _, _ = run([str(BIN / "dbt"), "build", "--target-path", str(target)], next_env)
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {database} with (force)")
    admin.close()
    return {
        "engine": "postgres",
        **generated,
        "load_seconds": round(load_seconds, 1),
        "build_seconds": round(build_seconds, 1),
        "client_peak_rss_gb": round(build_peak, 2),
        "database_mb": round(size / 1024**2, 1),
        "next_day_seconds": round(next_load + next_build, 1),
        **times,
    }


def test_and_model_seconds(target: Path) -> dict:
    """Summed data-test time and the 15 slowest models of a build."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        "data_tests_seconds": kind_seconds(results, "test"),
        "models": [
            {"model": name, "seconds": seconds}
            for name, seconds in slowest_nodes(results, "model", 15)
        ],
    }


def kind_seconds(results: list[dict], kind: str) -> float:
    """dbt's execution time of a build's nodes of one kind (run_results.json:
    model, test, unit_test, ...), summed."""
    return round(
        sum(r["execution_time"] for r in results if r["unique_id"].startswith(kind + ".")), 1
    )


def slowest_nodes(results: list[dict], kind: str, count: int) -> list[list]:
    """The `count` slowest nodes of one kind, as [name, seconds] (the name
    without a generic test's hash: unique_id is kind.project.name[.hash])."""
    nodes = sorted(
        (r for r in results if r["unique_id"].startswith(kind + ".")),
        key=lambda r: -r["execution_time"],
    )
    return [[r["unique_id"].split(".")[2], round(r["execution_time"], 2)] for r in nodes[:count]]


class SparkJvmPeak:
    """Samples, every 0.5 s while in use, the peak resident memory (VmHWM)
    of the Spark JVMs running on this machine."""

    def __init__(self) -> None:
        self.peak_gb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> SparkJvmPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(0.5):
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    if b"SparkSubmit" not in (proc / "cmdline").read_bytes():
                        continue
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_gb = max(self.peak_gb, int(line.split()[1]) / 1024**2)


def spark_build(invoices: int) -> dict:
    """The same extract on the local Spark target (dbt-spark session mode,
    threads 1): full `dbt build` (the raw load is its on-run-start hook),
    time per model, warehouse size (Parquet), and the build on the next
    day's export (Spark loads are whole: it restates everything)."""
    extract = WORK / f"extract_{invoices}"
    generated = (
        generate(invoices, extract)
        if not (extract / "_manifest" / "generation.json").exists()
        else {"invoices": invoices}
    )
    subprocess.run([str(ROOT / "scripts" / "install_java.sh")], check=True)
    spark_dir = WORK / f"spark_{invoices}"
    shutil.rmtree(spark_dir, ignore_errors=True)
    target = WORK / f"target_spark_{invoices}"
    env = {
        "RPM_TARGET": "spark",
        "RPM_SPARK_DIR": str(spark_dir),
        "AR_EXTRACT_DIR": str(extract),
        "DBT_PROFILES_DIR": str(ROOT),
    }
    # Spark's JVM is a grandchild that dbt does not wait for, so it is
    # missing from RUSAGE_CHILDREN: its peak (VmHWM) is sampled from /proc.
    with SparkJvmPeak() as jvm:
        load_seconds, _, _ = run([str(BIN / "receivables-load")], env)
        build_seconds, dbt_peak, _ = run(
            [str(BIN / "dbt"), "build", "--target-path", str(target)], env
        )
    times = test_and_model_seconds(target)
    size = sum(p.stat().st_size for p in (spark_dir / "warehouse").rglob("*") if p.is_file())
    next_extract = extract.parent / f"{extract.name}_next_day"
    if not next_extract.exists():
        run(
            [
                str(BIN / "receivables-next-day"),
                "--extract",
                str(extract),
                "--out",
                str(next_extract),
            ]
        )
    next_env = {**env, "AR_EXTRACT_DIR": str(next_extract)}
    next_load, _, _ = run([str(BIN / "receivables-load")], next_env)
    next_build, _, _ = run([str(BIN / "dbt"), "build", "--target-path", str(target)], next_env)
    shutil.rmtree(spark_dir, ignore_errors=True)
    return {
        "engine": "spark",
        **generated,
        "load_seconds": round(load_seconds, 1),
        "build_seconds": round(build_seconds, 1),
        "jvm_peak_rss_gb": round(jvm.peak_gb, 2),
        "dbt_peak_rss_gb": round(dbt_peak, 2),
        "database_mb": round(size / 1024**2, 1),
        "next_day_load_seconds": round(next_load, 1),
        "next_day_seconds": round(next_build, 1),
        **times,
    }


def compare(invoices: int) -> dict:
    """The project beside two baselines on one generated extract (issue 19):
    (a) a pandas computation of the whole-ledger monthly AR, buckets, credit
    sales, DSO and CEI from the files, (b) one hand-written DuckDB query for
    month-end AR and buckets (the floor) (bench/baselines.py; each in its own
    process, checked against the project's marts). The project is timed as
    a user runs it: receivables-load, then dbt build of the ledger core, of the KPI
    and operations domains, and of the audit trail, each with its tests;
    then the next day's export, loaded and built whole (incrementally)."""
    extract = WORK / f"extract_{invoices}"
    generated = generate(invoices, extract)
    database = WORK / f"rpm_{invoices}.duckdb"
    database.unlink(missing_ok=True)
    target = WORK / f"target_{invoices}"
    env = {
        "AR_EXTRACT_DIR": str(extract),
        "AR_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(ROOT),
    }
    steps, results, peak = load_and_build_in_steps(env, target)
    baselines = {}
    for key in ("pandas", "duckdb"):
        out = WORK / f"baseline_{key}_{invoices}.json"
        wall, baseline_peak, _ = run(
            [str(BIN / "python"), str(ROOT / "bench" / "baselines.py"), str(extract),
             str(database), "--schema", "marts_build", "--only", key, "--json", str(out)]
        )  # fmt: skip
        measured = json.loads(out.read_text())[key]
        baselines[key] = {**measured, "wall_seconds": round(wall, 1)}
    core = steps["raw load"] + steps["ledger core"]
    core_and_kpis = core + steps["kpis and operations"]
    full = core_and_kpis + steps["audit trail"]
    # The next day's export, loaded and built whole (every model and test,
    # incrementally) on the same database; a failed build is recorded, and
    # the figures above are kept.
    try:
        day = incremental_run(extract, env, target, [])
        day["share_of_full_build"] = round(day["seconds"] / full, 3)
    except RuntimeError as failure:
        day = {"failed": str(failure)[-600:]}
    pandas_seconds = baselines["pandas"]["wall_seconds"]
    floor_seconds = baselines["duckdb"]["wall_seconds"]
    return {
        **generated,
        "project_seconds": {
            "load and ledger core": round(core, 1),
            "plus KPI and operations marts": round(core_and_kpis, 1),
            "full build": round(full, 1),
        },
        "project_peak_rss_gb": round(peak, 2),
        "full_build_time_goes_to": time_goes_to(results),
        "incremental_day": day,
        "baselines": baselines,
        "ratios": {
            "ledger core and KPI marts / pandas": round(core_and_kpis / pandas_seconds, 2),
            "ledger core / DuckDB floor": round(core / floor_seconds, 2),
            "full build / pandas": round(full / pandas_seconds, 2),
        },
    }


def time_goes_to(results: list[dict]) -> dict:
    """dbt's execution time of a build's nodes (run_results.json), summed by
    kind, with the slowest models and data tests. Two threads share two
    cores, so the sums are about twice the wall time they take."""
    kinds = sorted({r["unique_id"].split(".")[0] for r in results})
    return {
        "seconds_by_kind": {kind: kind_seconds(results, kind) for kind in kinds},
        "nodes": len(results),
        "slowest_models": slowest_nodes(results, "model", 12),
        "slowest_tests": slowest_nodes(results, "test", 6),
    }


def incremental_days(invoices: int) -> dict:
    """On the database a `build --keep` run left: one more day built with
    `dbt build` (models and data tests), then another with `dbt run`;
    recorded beside that run's full build."""
    result_file = RESULTS / f"build_{invoices}.json"
    result = json.loads(result_file.read_text())
    extract = WORK / f"extract_{invoices}"
    while (extract.parent / f"{extract.name}_next_day").exists():
        extract = extract.parent / f"{extract.name}_next_day"
    env = {
        "AR_DUCKDB_PATH": str(WORK / f"rpm_{invoices}.duckdb"),
        "DBT_PROFILES_DIR": str(ROOT),
    }
    target = WORK / f"target_{invoices}"
    # Both sides load their extract: the full build's load counts with its core.
    core = result["step_seconds"]["raw load"] + result["step_seconds"]["ledger core"]
    # The database first catches up with the newest extract kept (not timed).
    run([str(BIN / "receivables-load")], {**env, "AR_EXTRACT_DIR": str(extract)})
    run(
        [str(BIN / "dbt"), "run", *BUILD_STEPS[0][1], "--target-path", str(target)],
        {**env, "AR_EXTRACT_DIR": str(extract)},
    )
    days = []
    for command in ("build", "run"):
        day = incremental_run(extract, env, target, BUILD_STEPS[0][1], command)
        day["share_of_ledger_core"] = round(day["seconds"] / core, 3)
        days.append(day)
        extract = extract.parent / f"{extract.name}_next_day"
    result["incremental_days"] = days
    result_file.write_text(json.dumps(result, indent=1))
    return {"invoices": invoices, "incremental_days": days}


def node_layers(target: Path) -> dict[str, str]:
    """unique_id -> 'kpis' or 'operations' for the nodes tagged so."""
    manifest = json.loads((target / "manifest.json").read_text())
    layers = {}
    for unique_id, node in manifest["nodes"].items():
        tags = set(node.get("tags", []))
        if node["resource_type"] == "test":
            # A data test belongs to the layer of the model it tests.
            parents = node.get("depends_on", {}).get("nodes", [])
            tags = set().union(
                *(
                    set(manifest["nodes"][p].get("tags", []))
                    for p in parents
                    if p in manifest["nodes"]
                )
            )
        for layer in LAYERS:
            if layer in tags:
                layers[unique_id] = layer
    return layers


def model_rows(database: Path, names: list[str]) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    schemas = dict(
        con.sql("select table_name, table_schema from information_schema.tables").fetchall()
    )
    return {
        name: con.sql(f"select count(*) from {schemas[name]}.{name}").fetchone()[0]
        for name in names
        if name in schemas
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "suite",
        choices=["generator", "build", "compare", "postgres", "spark", "incremental", "v2"],
    )
    parser.add_argument("--invoices", type=int, nargs="+", default=[100_000])
    parser.add_argument("--keep", action="store_true", help="keep generated data under data/bench")
    parser.add_argument(
        "--reuse-extract",
        action="store_true",
        help="build on the extract a previous --keep run left (generator figures from its result)",
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    for invoices in args.invoices:
        if args.suite == "generator":
            result = generate(invoices, WORK / f"extract_{invoices}")
        elif args.suite == "postgres":
            result = postgres_build(invoices)
        elif args.suite == "spark":
            result = spark_build(invoices)
        elif args.suite == "compare":
            result = compare(invoices)
        elif args.suite == "v2":
            result = v2_cost(invoices)
        elif args.suite == "incremental":
            print(json.dumps(incremental_days(invoices)))
            continue
        else:
            result = build(invoices, args.reuse_extract)
        result["machine"] = machine()
        (RESULTS / f"{args.suite}_{invoices}.json").write_text(json.dumps(result, indent=1))
        print(json.dumps(result))
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)
            WORK.mkdir(parents=True, exist_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
