"""The same project on Postgres (issue 7): the full build with every data and
unit test passes; every mart row equals DuckDB's on the same extract (to the
cent); the BI reader role reads the marts and nothing upstream, the auditor
also staging, quarantine and audit, neither can write, and no personal data
reaches a schema the BI role can read."""

from __future__ import annotations

import psycopg2
import pytest
from mart_comparison import assert_same_rows, mart_tables
from psycopg2 import errors

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_worked_example_builds_on_postgres(worked_on_postgres):
    assert worked_on_postgres.returncode == 0, worked_on_postgres.output[-3000:]
    assert "ERROR=0" in worked_on_postgres.output


def test_worked_example_marts_equal_duckdb(worked, worked_on_postgres):
    assert worked.returncode == 0 and worked_on_postgres.returncode == 0
    tables = mart_tables(worked)
    assert len(tables) >= 29
    for table in tables:
        assert_same_rows(worked, worked_on_postgres, table, "Postgres")


def test_generated_ledger_builds_on_postgres(clean_on_postgres):
    assert clean_on_postgres.returncode == 0, clean_on_postgres.output[-3000:]
    assert "ERROR=0" in clean_on_postgres.output


def test_generated_ledger_marts_equal_duckdb(clean, clean_on_postgres):
    duckdb_build = clean[0]
    assert duckdb_build.returncode == 0 and clean_on_postgres.returncode == 0
    kpis = duckdb_build.query("select count(*) as n from marts.rpt_kpi_values").n[0]
    assert kpis > 1000
    for table in mart_tables(duckdb_build):
        assert_same_rows(duckdb_build, clean_on_postgres, table, "Postgres")


def can(build, role: str, sql: str) -> bool:
    """Whether the role may run the statement (rolled back either way)."""
    with build.connect(role) as con, con.cursor() as cur:
        try:
            cur.execute(sql)
            return True
        except errors.InsufficientPrivilege:
            return False
        finally:
            con.rollback()


READS = {
    "marts": "select count(*) from marts.fct_ar_documents",
    "marts_kpis": "select count(*) from marts.rpt_kpis_monthly",
    "staging": "select count(*) from staging.stg_erp__customers",
    "quarantine": "select count(*) from quarantine.quarantined_rows",
    "audit": "select count(*) from audit.audit_run_evidence",
    "raw": "select count(*) from raw.customers",
    "intermediate": "select count(*) from intermediate.int_ar_balance_events",
    "seeds": "select count(*) from seeds.kpi_benchmarks",
}
WRITES = [
    "delete from marts.fct_ar_documents",
    "insert into marts.rpt_kpis_monthly select * from marts.rpt_kpis_monthly",
    "create table marts.scratch (x integer)",
    "create table public.scratch (x integer)",
    "create schema scratch",
    "delete from staging.base_erp__customers",
    "delete from quarantine.quarantined_rows",
]


def test_bi_reader_reads_the_marts_and_nothing_upstream(clean_on_postgres):
    assert clean_on_postgres.returncode == 0
    allowed = {name for name, sql in READS.items() if can(clean_on_postgres, "bi_reader", sql)}
    assert allowed == {"marts", "marts_kpis"}
    assert not any(can(clean_on_postgres, "bi_reader", sql) for sql in WRITES)


def test_auditor_also_reads_staging_quarantine_and_audit(clean_on_postgres):
    assert clean_on_postgres.returncode == 0
    allowed = {name for name, sql in READS.items() if can(clean_on_postgres, "auditor", sql)}
    assert allowed == {"marts", "marts_kpis", "staging", "quarantine", "audit"}
    assert not any(can(clean_on_postgres, "auditor", sql) for sql in WRITES)


def test_wrong_password_is_refused(clean_on_postgres):
    connection = clean_on_postgres.connection
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(
            host=connection["RPM_PG_HOST"],
            port=int(connection["RPM_PG_PORT"]),
            dbname=connection["RPM_PG_DATABASE"],
            user="rpm_bi_reader",
            password="not-the-password",
        )


def test_no_personal_data_where_the_bi_reader_can_read(clean_on_postgres):
    """Every text cell of every relation the BI role can select, against
    every contact name, e-mail and phone number of the raw extract."""
    personal = clean_on_postgres.query(
        "select billing_contact_name as v from raw.customers union "
        "select billing_contact_email from raw.customers union "
        "select billing_contact_phone from raw.customers"
    ).v.dropna()
    assert len(personal) > 100
    readable = clean_on_postgres.query(
        "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
        "where c.data_type in ('text', 'character varying') "
        "and c.table_schema not in ('pg_catalog', 'information_schema') "
        "and has_table_privilege('rpm_bi_reader', quote_ident(c.table_schema) || '.' "
        "|| quote_ident(c.table_name), 'select')"
    )
    assert set(readable.table_schema) == {"marts"}
    assert len(readable) > 100
    values = list(personal)
    with clean_on_postgres.connect() as con, con.cursor() as cur:
        for row in readable.itertuples():
            cur.execute(
                f"select count(*) from {row.table_schema}.{row.table_name} "
                f'where "{row.column_name}" = any(%s)',
                (values,),
            )
            assert cur.fetchone()[0] == 0, (
                f"personal data in {row.table_schema}.{row.table_name}.{row.column_name}"
            )


def test_dashboard_reads_postgres_as_it_reads_duckdb(clean, clean_on_postgres):
    """The same figures, segments and number of data marks from either engine."""
    from receivables_rpm.dashboard import Marts, build_figures, render

    connection = clean_on_postgres.connection
    pages = []
    for marts in (
        Marts(clean[0].database),
        Marts(
            postgres={
                "host": connection["RPM_PG_HOST"],
                "port": int(connection["RPM_PG_PORT"]),
                "dbname": connection["RPM_PG_DATABASE"],
                "user": "rpm_bi_reader",
                "password": connection["RPM_PG_BI_PASSWORD"],
            }
        ),
    ):
        figures, keys, facts = build_figures(marts)
        pages.append((keys, render(figures, keys, facts, "test")))
    (duck_keys, duck_page), (pg_keys, pg_page) = pages
    assert pg_keys == duck_keys
    assert pg_page.count('class="mark') == duck_page.count('class="mark') > 100


def test_the_summary_reads_postgres_as_it_reads_duckdb(clean, clean_on_postgres, tmp_path):
    """receivables-summary --postgres (issue 21): every figure line equals the
    DuckDB build's of the same extract; only the header and the published
    run differ."""
    from receivables_rpm.summary import summary_lines

    arguments = clean_on_postgres.connect_arguments()
    on_duckdb = summary_lines(clean[0].database, None)
    on_postgres = summary_lines("postgres", None, postgres=arguments)

    def figures(lines):
        return [line for line in lines[1:] if not line.startswith(("marts published", "marts NOT"))]

    assert len(on_duckdb) > 40
    assert figures(on_postgres) == figures(on_duckdb)


def test_compare_builds_finds_the_postgres_marts_equal_to_duckdb(
    clean, clean_on_postgres, monkeypatch, capsys
):
    """receivables-compare-builds --postgres (issue 21): the command a user
    runs to check an engine; exit 0 and "same rows" on the same extract."""
    from receivables_rpm.compare_builds import main

    for name, value in clean_on_postgres.connection.items():
        monkeypatch.setenv(name, str(value))
    assert main(["--database", str(clean[0].database), "--postgres"]) == 0
    assert capsys.readouterr().out.strip() == "same rows"


def test_a_second_postgres_build_restates_everything(restated, worked_rebuilt_on_postgres):
    """Run last: it builds the worked example's database again, on a later
    extract. Every mart equals DuckDB's full build of that extract."""
    assert worked_rebuilt_on_postgres.returncode == 0, worked_rebuilt_on_postgres.output[-3000:]
    scope = worked_rebuilt_on_postgres.query("select * from intermediate.int_restatement_scope")
    assert bool(scope.restates_everything[0])
    for table in mart_tables(restated):
        assert_same_rows(restated, worked_rebuilt_on_postgres, table, "Postgres")


def test_a_reader_during_a_build_sees_one_published_build(
    root, worked_example, restated, postgres, tmp_path
):
    """Issue 17 on Postgres: the worked example built and published, then a
    build of a later extract (the `restated` fixture's) on the same
    database. Meanwhile a BI reader queries two marts in one statement, over
    and over, and is never blocked for long: every answer is the first
    build's or the second's, never a mix. A third build started meanwhile
    refuses at once (advisory lock), naming the running build."""
    import os
    import subprocess
    import threading
    import time

    from conftest import DBT, postgres_build

    first = postgres_build(root, worked_example, tmp_path / "first", postgres, "rpm_test_readers")
    assert first.returncode == 0, first.output[-3000:]
    reader = first.connect("bi_reader")
    reader.autocommit = True
    sample = (
        "select (select run_id from marts.rpt_build_info), "
        "(select count(*) from marts.fct_ar_documents), "
        "(select sum(ar_end) from marts.rpt_kpis_monthly where segment_type = 'ledger')"
    )

    def read() -> tuple:
        with reader.cursor() as cur:
            cur.execute(sample)
            return cur.fetchone()

    before = read()
    seen = {before}
    second: list = []
    builder = threading.Thread(
        target=lambda: second.append(
            postgres_build(
                root,
                restated.database.parent.parent / "extract",
                tmp_path / "second",
                postgres,
                "rpm_test_readers",
                fresh=False,
            )
        )
    )
    builder.start()
    refused = None
    slowest = 0.0
    while builder.is_alive():
        started = time.monotonic()
        seen.add(read())
        slowest = max(slowest, time.monotonic() - started)
        if refused is None and "OK hook: rpm.on-run-start.1" in _latest_log(tmp_path / "second"):
            refused = subprocess.run(
                [str(DBT), "build", "--no-use-colors", "--target-path", str(tmp_path / "third")],
                cwd=root,
                env={
                    **os.environ,
                    **postgres,
                    "RPM_PG_DATABASE": "rpm_test_readers",
                    "RPM_TARGET": "postgres",
                    "DBT_PROFILES_DIR": str(root),
                },
                capture_output=True,
                text=True,
                timeout=600,
            )
        time.sleep(0.2)
    builder.join()
    assert second[0].returncode == 0, second[0].output[-3000:]
    after = read()
    assert before[0] != after[0] and before[1:] != after[1:]  # two different builds
    assert seen <= {before, after}, seen  # never a mix of the two
    assert slowest < 10
    assert refused is not None and refused.returncode != 0
    assert "is in use by another build" in refused.stdout, refused.stdout[-2000:]


def _latest_log(workdir) -> str:
    log = workdir / "logs" / "dbt.log"
    return log.read_text(errors="replace") if log.exists() else ""
