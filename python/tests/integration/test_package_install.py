"""rpm as a dbt package: an existing dbt project (package_project/) installs
it with `dbt deps` from a local checkout (offline) and points it at ERP
tables already in its warehouse (typed, one of them under another name),
without the file loader. Its build publishes the same marts as the
project's own build of the worked example, and they hold EXPECTED.md's
figures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from mart_comparison import published_marts

pytestmark = pytest.mark.integration

DBT = Path(sys.executable).parent / "dbt"
HOST = Path(__file__).parent / "package_project"


@pytest.fixture(scope="module")
def host_build(root, worked_example, tmp_path_factory):
    work = tmp_path_factory.mktemp("package")
    project = work / "erp_analytics"
    shutil.copytree(HOST, project)
    (project / "packages.yml").write_text(f'packages:\n  - local: "{root}"\n')
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
    env = {
        **os.environ,
        "ERP_DUCKDB_PATH": str(warehouse),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    outputs = []
    for command in (["deps"], ["build", "--no-use-colors"]):
        completed = subprocess.run(
            [str(DBT), *command],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        outputs.append(completed.stdout + completed.stderr)
        assert completed.returncode == 0, outputs[-1][-4000:]
    return warehouse, outputs[-1]


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
    assert schemas == {"erp", "analytics"} | {
        f"analytics_{name}"
        for name in (
            "raw",
            "seeds",
            "staging",
            "quarantine",
            "intermediate",
            "audit",
            "marts_build",
            "marts",
        )
    }
