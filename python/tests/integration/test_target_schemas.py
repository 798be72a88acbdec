"""Target-aware schema names on a shared warehouse: a developer's build
(profile target postgres_dev, schema dev_ci) on the database production
builds loads and writes only dev_ci_raw ... dev_ci_marts. Production's
schemas keep every relation (same OIDs) and every write counter, and its
published marts keep production's extract while the dev marts show the
developer's. The dev build runs while a production build is at work (its
connections are named `dbt`); a second build or load of the dev target
itself refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import (
    DBT,
    PROJECT_SCHEMAS,
    PostgresBuild,
    build_environment,
    postgres_build,
    run_dbt_build,
)

from receivables_rpm.dashboard import Marts

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
    where namespace.nspname = any(%s) and class.relkind in ('r', 'v')
    order by 1, 2
"""

ROLLFORWARD = (
    "select to_char(period_end_date, 'YYYY-MM-DD'), ar_end_reporting::text "
    "from {schema}.rpt_ar_rollforward_monthly order by 1"
)


def _rows(build: PostgresBuild, sql: str, parameters: tuple | None = None) -> list[tuple]:
    with build.connect() as con, con.cursor() as cur:
        cur.execute(sql, parameters)
        return cur.fetchall()


def _dev_env(root: Path, connection: dict, extract: Path) -> dict:
    return build_environment(
        root, extract, **connection, RPM_TARGET="postgres_dev", RPM_DEV_SCHEMA=DEV_SCHEMA
    )


LOAD = [str(Path(sys.executable).parent / "receivables-load")]


@pytest.fixture(scope="module")
def dev_build(root, worked_example, restated, postgres, tmp_path_factory):
    """Production holds the `restated` extract, in a database of its own
    (the other Postgres tests' databases stay as their tests expect); the
    developer builds the worked example beside it."""
    production = postgres_build(
        root,
        restated.database.parent.parent / "extract",
        tmp_path_factory.mktemp("production_pg"),
        postgres,
        "rpm_test_targets",
    )
    assert production.returncode == 0, production.output[-3000:]
    before = _rows(production, PRODUCTION_STATE, (list(PROJECT_SCHEMAS),))
    env = _dev_env(root, production.connection, worked_example)
    # A production build at work meanwhile, as its connections show it,
    # while the dev target loads and builds.
    with closing(production.connect(application_name="dbt")):
        returncode, output = run_dbt_build(root, tmp_path_factory.mktemp("dev_pg"), env)
    after = _rows(production, PRODUCTION_STATE, (list(PROJECT_SCHEMAS),))
    return PostgresBuild(returncode, output, production.connection), before, after


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
        f"{DEV_SCHEMA}_{name}" for name in PROJECT_SCHEMAS
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


def test_a_second_build_or_load_of_the_dev_target_refuses(
    root, dev_build, worked_example, tmp_path
):
    build, _, _ = dev_build
    # A folder that loads: the load is refused for the build at work alone.
    env = _dev_env(root, build.connection, worked_example)
    with closing(build.connect(application_name=f"dbt {DEV_SCHEMA}")):
        refused_build = subprocess.run(
            [str(DBT), "build", "--no-use-colors", "--target-path", str(tmp_path / "target")],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        refused_load = subprocess.run(LOAD, cwd=root, env=env, capture_output=True, text=True)
    assert refused_build.returncode != 0
    assert "is in use by another build" in refused_build.stdout, refused_build.stdout[-2000:]
    assert f"dbt {DEV_SCHEMA}" in refused_build.stdout
    assert refused_load.returncode == 2
    assert "is in use by another build or load" in refused_load.stderr


def test_a_profile_that_hides_its_builds_is_refused(root, dev_build, tmp_path):
    """A production target (here by the var) whose connections are not named
    `dbt`: loads of its raw schema would not see its builds."""
    build, _, _ = dev_build
    refused = subprocess.run(
        [
            str(DBT),
            "build",
            "--no-use-colors",
            "--target-path",
            str(tmp_path / "target"),
            "--vars",
            "{rpm_prod_targets: [postgres, postgres_dev]}",
        ],
        cwd=root,
        env=_dev_env(root, build.connection, tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert refused.returncode != 0
    assert "must set application_name: 'dbt'" in refused.stdout, refused.stdout[-2000:]


def test_the_dashboard_reads_the_marts_of_the_target_it_is_given(
    root, dev_build, restated, tmp_path
):
    build, _, _ = dev_build
    env = {**os.environ, **build.connection}
    pages = {}
    for prefix in ([], ["--schema-prefix", DEV_SCHEMA]):
        out = tmp_path / f"dashboard{len(prefix)}"
        done = subprocess.run(
            [
                str(Path(sys.executable).parent / "receivables-dashboard"),
                "--postgres",
                "--out",
                str(out),
            ]
            + prefix,
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        pages[len(prefix)] = (out / "dashboard.html").read_text()
    assert "(schema marts)" in pages[0] and f"(schema {DEV_SCHEMA}_marts)" in pages[2]
    assert pages[0] != pages[2]
    # What each reads: the month-end AR of the dev build's extract (EXPECTED.md)
    # and of production's.
    connection = build.connect_arguments()
    march = (
        "select ar_end_reporting::text as ar_end from rpt_ar_rollforward_monthly "
        "where period_end_date = date '2026-03-31'"
    )
    dev = Marts(postgres=connection, schema=f"{DEV_SCHEMA}_marts").query(march)
    production = Marts(postgres=connection).query(march)
    assert list(dev.ar_end) == ["1450.000000"]
    _, expected = restated.rows(march.replace("from ", "from marts."))
    assert list(production.ar_end) == [text for (text,) in expected]
