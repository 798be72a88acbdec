"""Target-aware schema names on a shared warehouse: a developer's build
(profile target postgres_dev, schema dev_ci) on the database production
builds loads and writes only dev_ci_raw ... dev_ci_marts. Production's
schemas keep every relation (same OIDs) and every write counter, and its
published marts keep production's extract while the dev marts show the
developer's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PostgresBuild, run_dbt_build

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

DEV_SCHEMA = "dev_ci"

# What production's schemas hold: each relation's OID (a table or view
# dropped and created again gets a new one) and the rows written to it.
PRODUCTION_STATE = """
    select namespace.nspname, class.relname, class.oid::bigint,
        coalesce(stats.n_tup_ins + stats.n_tup_upd + stats.n_tup_del, 0)
    from pg_class as class
    join pg_namespace as namespace on namespace.oid = class.relnamespace
    left join pg_stat_user_tables as stats on stats.relid = class.oid
    where namespace.nspname in
        ('raw', 'seeds', 'staging', 'quarantine', 'intermediate', 'audit', 'marts_build', 'marts')
        and class.relkind in ('r', 'v')
    order by 1, 2
"""

ROLLFORWARD = (
    "select to_char(period_end_date, 'YYYY-MM-DD'), ar_end_reporting::text "
    "from {schema}.rpt_ar_rollforward_monthly order by 1"
)


def _rows(build: PostgresBuild, sql: str) -> list[tuple]:
    with build.connect() as con, con.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


@pytest.fixture(scope="module")
def dev_build(root, worked_example, worked_rebuilt_on_postgres, tmp_path_factory):
    """Production (database rpm_test_worked) holds the `restated` extract;
    the developer builds the worked example beside it."""
    production = worked_rebuilt_on_postgres
    assert production.returncode == 0, production.output[-3000:]
    before = _rows(production, PRODUCTION_STATE)
    env = {
        **os.environ,
        **production.connection,
        "RPM_TARGET": "postgres_dev",
        "RPM_DEV_SCHEMA": DEV_SCHEMA,
        "AR_EXTRACT_DIR": str(worked_example),
        "DBT_PROFILES_DIR": str(root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    load = subprocess.run(
        [str(Path(sys.executable).parent / "rpm-load-postgres"), "--schema-prefix", DEV_SCHEMA],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert load.returncode == 0, load.stdout + load.stderr
    returncode, output = run_dbt_build(root, tmp_path_factory.mktemp("dev_pg"), env)
    after = _rows(production, PRODUCTION_STATE)
    return PostgresBuild(returncode, load.stdout + output, production.connection), before, after


def test_the_dev_build_passes_and_publishes_to_its_own_schema(dev_build):
    build, _, _ = dev_build
    assert build.returncode == 0, build.output[-3000:]
    assert "publishing" in build.output
    assert f"{DEV_SCHEMA}_raw.ar_documents <- " in build.output


def test_the_dev_build_writes_only_prefixed_schemas(dev_build):
    build, _, _ = dev_build
    schemas = {
        name
        for (name,) in _rows(
            build,
            "select nspname from pg_namespace where nspname like 'dev%' "
            "or nspname in ('raw', 'staging', 'marts')",
        )
    }
    assert schemas == {"raw", "staging", "marts"} | {
        f"{DEV_SCHEMA}_{name}"
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


def test_production_schemas_are_untouched_by_the_dev_build(dev_build):
    _, before, after = dev_build
    assert len(before) > 150
    assert after == before


def test_each_target_reads_its_own_extract(dev_build, restated):
    build, _, _ = dev_build
    # EXPECTED.md: the worked example's month-end AR.
    assert _rows(build, ROLLFORWARD.format(schema=f"{DEV_SCHEMA}_marts")) == [
        ("2026-01-31", "1550.000000"),
        ("2026-02-28", "1650.000000"),
        ("2026-03-31", "1450.000000"),
    ]
    # Production keeps the later extract it was built from (the `restated`
    # fixture's, built on DuckDB as well).
    expected = [
        (day, f"{amount:.6f}")
        for day, amount in restated.query(
            "select strftime(period_end_date, '%Y-%m-%d') as day, ar_end_reporting "
            "from marts.rpt_ar_rollforward_monthly order by 1"
        ).itertuples(index=False)
    ]
    assert _rows(build, ROLLFORWARD.format(schema="marts")) == expected
    assert expected != _rows(build, ROLLFORWARD.format(schema=f"{DEV_SCHEMA}_marts"))
