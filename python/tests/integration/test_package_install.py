"""rpm as a dbt package: an existing dbt project (package_project/) installs
it with `dbt deps` from a local checkout (offline) and points it at ERP
tables already in its warehouse (typed, one of them under another name),
without the file loader. Its build publishes the same marts as the
project's own build of the worked example, and they hold EXPECTED.md's
figures. The same on Postgres, with the host's ERP tables in a schema of
the database it builds in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_SCHEMAS, PostgresBuild, fresh_postgres_database
from mart_comparison import assert_same_rows, mart_tables, published_marts

pytestmark = pytest.mark.integration

DBT = Path(sys.executable).parent / "dbt"
HOST = Path(__file__).parent / "package_project"


def install_host(root: Path, work: Path) -> Path:
    """The host project, with rpm as a local package."""
    project = work / "erp_analytics"
    shutil.copytree(HOST, project)
    (project / "packages.yml").write_text(f'packages:\n  - local: "{root}"\n')
    return project


def deps_and_build(project: Path, env: dict) -> str:
    """`dbt deps` (offline: a local package), then `dbt build`; the build's output."""
    outputs = []
    for command in (["deps"], ["build", "--no-use-colors"]):
        completed = subprocess.run(
            [str(DBT), *command],
            cwd=project,
            env={
                **env,
                "DBT_PROFILES_DIR": str(project),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            },
            capture_output=True,
            text=True,
            timeout=900,
        )
        outputs.append(completed.stdout + completed.stderr)
        assert completed.returncode == 0, outputs[-1][-4000:]
    return outputs[-1]


@pytest.fixture(scope="module")
def host_build(root, worked_example, tmp_path_factory):
    work = tmp_path_factory.mktemp("package")
    project = install_host(root, work)
    # The ERP's tables, typed as a warehouse holds them (dates as dates,
    # amounts as numbers); customers under the name customer_master.
    warehouse = work / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema erp")
        for path in sorted(worked_example.glob("*.csv")):
            table = "customer_master" if path.stem == "customers" else path.stem
            con.execute(f"create table erp.{table} as select * from read_csv(?)", [str(path)])
        # A rate a float column holds as 4e-05 when cast to text: it must stage
        # as 0.00004 (its currency has no document, so the marts are as before).
        con.execute(
            "insert into erp.fx_rates by name select date '2026-01-16' as rate_date, "
            "'IDR' as from_currency, 'USD' as to_currency, 0.00004::double as rate"
        )
    return warehouse, deps_and_build(project, {**os.environ, "ERP_DUCKDB_PATH": str(warehouse)})


def test_the_package_build_publishes_the_worked_example_as_expected(host_build):
    warehouse, output = host_build
    assert "publishing" in output, output[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rollforward = con.execute(
            "select strftime(period_end_date, '%Y-%m-%d'), ar_begin_reporting, "
            "credit_sales_reporting, write_offs_reporting, ar_end_reporting "
            "from analytics_marts.rpt_ar_rollforward_monthly order by 1"
        ).fetchall()
        # The host project's own model on the published mart.
        open_by_customer = con.execute(
            "select customer_id, cast(open_amount_reporting as varchar) "
            "from analytics.open_invoices_by_customer order by 1"
        ).fetchall()
    # EXPECTED.md: ar_begin, credit_sales, write_offs, ar_end per month.
    assert rollforward == [
        ("2026-01-31", 0, 1550, 0, 1550),
        ("2026-02-28", 1550, 1000, 0, 1650),
        ("2026-03-31", 1650, 0, 200, 1450),
    ]
    assert len(open_by_customer) >= 1


def test_warehouse_floats_stage_as_their_decimal_digits(host_build):
    warehouse, _ = host_build
    with duckdb.connect(str(warehouse), read_only=True) as con:
        staged = con.execute(
            "select cast(rate as varchar) from analytics_staging.stg_erp__fx_rates "
            "where from_currency_code = 'IDR'"
        ).fetchall()
        quarantined = con.execute(
            "select count(*) from analytics_quarantine.quarantined_rows "
            "where table_name = 'fx_rates'"
        ).fetchone()[0]
    assert [Decimal(value) for (value,) in staged] == [Decimal("0.00004")]
    assert quarantined == 0


def test_the_package_build_equals_the_projects_own_build(host_build, worked):
    """Value for value, every published mart (the file loader and the
    warehouse tables give the same raw rows)."""
    assert worked.returncode == 0, worked.output[-3000:]
    package_marts = published_marts(host_build[0], "analytics_marts")
    own_marts = published_marts(worked.database)
    assert sorted(package_marts) == sorted(own_marts)
    for name, rows in own_marts.items():
        assert package_marts[name] == rows, name


def test_a_dev_target_writes_only_its_own_prefixed_schemas(host_build):
    """The host builds with target `dev` (schema analytics), not a production
    target: rpm writes analytics_raw ... analytics_marts and nothing named
    as production's schemas (raw, staging, ..., marts)."""
    warehouse, _ = host_build
    with duckdb.connect(str(warehouse), read_only=True) as con:
        schemas = {
            schema
            for (schema,) in con.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
    assert schemas == {"erp", "analytics"} | {f"analytics_{name}" for name in PROJECT_SCHEMAS}


# ---- Postgres ----------------------------------------------------------------

POSTGRES_TYPES = {
    "DATE": "date",
    "DOUBLE": "double precision",
    "BIGINT": "bigint",
    "TIMESTAMP": "timestamp",
    "VARCHAR": "text",
}

POSTGRES_PROFILE = """erp_analytics:
  target: dev
  outputs:
    # A development target on the shared warehouse: rpm writes
    # analytics_raw ... analytics_marts, and its connections carry the name
    # rpm expects of a dev target ('dbt <its schema>').
    dev:
      type: postgres
      host: "{{ env_var('RPM_PG_HOST') }}"
      port: "{{ env_var('RPM_PG_PORT') | as_number }}"
      dbname: "{{ env_var('RPM_PG_DATABASE') }}"
      user: rpm_owner
      password: "{{ env_var('RPM_PG_PASSWORD') }}"
      schema: analytics
      application_name: dbt analytics
      threads: 2
"""


@pytest.fixture(scope="module")
def host_build_on_postgres(root, worked_example, postgres, tmp_path_factory):
    """The host project on Postgres: the worked example's tables typed in
    schema erp (customers as customer_master, the IDR rate a double, one
    timestamp with time zone)."""
    connection = fresh_postgres_database(postgres, "rpm_test_package")
    with (
        duckdb.connect() as files,
        PostgresBuild(0, "", connection).connect() as pg,
        pg.cursor() as cur,
    ):
        cur.execute("create schema erp")
        for path in sorted(worked_example.glob("*.csv")):
            table = "customer_master" if path.stem == "customers" else path.stem
            described = files.execute("describe select * from read_csv(?)", [str(path)])
            columns = [f'"{row[0]}" {POSTGRES_TYPES[row[1]]}' for row in described.fetchall()]
            rows = files.execute("select * from read_csv(?)", [str(path)]).fetchall()
            cur.execute(f"create table erp.{table} ({', '.join(columns)})")
            if rows:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f"insert into erp.{table} values ({marks})", rows)
        # One timestamp column with a time zone (the others have none): it
        # stages as the same UTC instant.
        cur.execute(
            "alter table erp.ar_documents alter column source_updated_at type timestamptz "
            "using source_updated_at at time zone 'UTC'"
        )
        cur.execute(
            "insert into erp.fx_rates (rate_date, from_currency, to_currency, rate) "
            "values (date '2026-01-16', 'IDR', 'USD', 0.00004::double precision)"
        )
    project = install_host(root, tmp_path_factory.mktemp("package_pg"))
    (project / "profiles.yml").write_text(POSTGRES_PROFILE)
    output = deps_and_build(project, {**os.environ, **connection})
    return connection, output


@pytest.mark.postgres
def test_the_package_builds_on_postgres_as_the_project_does(host_build_on_postgres, worked):
    """Every published mart equals the project's own DuckDB build of the
    worked example (the float rate stages as 0.00004 there too)."""
    connection, output = host_build_on_postgres
    assert "publishing" in output, output[-3000:]
    published = PostgresBuild(0, output, connection)
    tables = mart_tables(worked)
    assert len(tables) >= 29
    for table in tables:
        assert_same_rows(worked, published, table, "Postgres package", "analytics_marts")
    staged = published.query(
        "select rate::text as rate from analytics_staging.stg_erp__fx_rates "
        "where from_currency_code = 'IDR'"
    )
    assert [Decimal(value) for value in staged.rate] == [Decimal("0.00004")]
