"""Crash safety and write-audit-publish (issue 17).

The kill harness: an incremental load and build of the next day's export
(`receivables-load && dbt build`, as make run does) on a copy of the day before's
database is killed with SIGKILL at a point of the run (read from the output
as it runs), then the same commands run again, unattended. The runs on one
database are killed at each of the 7 points before publication in turn,
then one runs to the end; a kill in the restatement and one during
publication are each repaired by the very next run. Throughout:
- until the rerun, readers see the day before's published marts, whole
  (a kill during publication: either build's, whole);
- the rerun is green and ends equal to a full build of the export, table by
  table, value for value (receivables-compare-builds), published marts included;
- a rerun after a kill that left the extract's changes unrestated says so
  in the audit trail (audit_run_evidence.recovered_from_run_ids); a load
  killed midway changed nothing (one transaction).
Also: a build whose data test fails publishes nothing and says why; a second
build on a database in use stops at once with the project's one-line message.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest
from conftest import DBT, LOAD, build_environment, dbt_build

from receivables_rpm.compare_builds import RUN_STATE, table_differences

pytestmark = pytest.mark.integration

# (name, a line of the output, seconds after it): spread over the run.
KILL_POINTS = [
    ("inside the raw load", r"raw\.customers <- ", 0.0),
    ("between the load and dbt", r"Running with dbt=", 0.0),
    ("between the hooks and the first model", r"OK hook: rpm\.on-run-start\.2", 0.0),
    (
        "in the middle of the restatement",
        r"START sql incremental model intermediate\.int_ar_balance_events",
        0.3,
    ),
    (
        "restating the ledger facts",
        r"START sql incremental model intermediate\.core_ar_aging_snapshots",
        0.2,
    ),
    ("during the data tests", r"START test ", 0.5),
    ("building the KPI marts", r"START sql table model marts_build\.rpt_kpis_yearly", 0.0),
    ("during publication", r"START hook: rpm\.on-run-end\.1", 0.05),
]


def environment(root: Path, extract: Path, database: Path) -> dict:
    return build_environment(root, extract, AR_DUCKDB_PATH=str(database))


def build_killed_at(root: Path, extract: Path, workdir: Path, pattern: str, delay: float) -> str:
    """`receivables-load && dbt build` killed with SIGKILL `delay` s after a line of
    their output matches `pattern`; the output up to then. Fails if the run
    ended first."""
    process = subprocess.Popen(
        ["bash", "-c", '"$0" && exec "$1" build --no-use-colors --target-path "$2" --log-path "$3"',
         str(LOAD), str(DBT), str(workdir / "target"), str(workdir / "logs")],
        cwd=root,
        env=environment(root, extract, workdir / "rpm.duckdb"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    output = []
    killed = threading.Event()

    def kill() -> None:
        os.killpg(process.pid, signal.SIGKILL)
        killed.set()

    for line in process.stdout:
        output.append(line)
        if not killed.is_set() and re.search(pattern, line):
            threading.Timer(delay, kill).start()
    process.wait()
    text = "".join(output)
    assert killed.is_set() and process.returncode == -signal.SIGKILL, (
        f"the run ended before the kill point {pattern!r}:\n{text[-2000:]}"
    )
    return text


def published(database: Path, schema: str = "marts") -> dict[str, list]:
    """Every published mart's rows (schema marts, or another schema's
    tables), sorted; the marts about the run rather than the ledger (its id,
    what it restated) left out."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? order by 1",
                [schema],
            ).fetchall()
            if f"{schema}.{name}" not in RUN_STATE
        ]
        return {t: con.sql(f"select * from {schema}.{t} order by all").fetchall() for t in tables}


@pytest.fixture(scope="module")
def before_and_full(next_day_builds):
    incremental, full, before = next_day_builds
    assert before.returncode == 0 and full.returncode == 0, full.output[-3000:]
    return before, full, published(before.database), published(full.database)


# Each of these is also repaired by the very next run, one by one: a kill
# inside the restatement (the ledger facts half rewritten) and one while
# publishing (the marts swapping). The chain below covers every other point.
ONE_BY_ONE = ("in the middle of the restatement", "during publication")


def killed_and_read(root, extract, workdir, point, before_marts, full_marts) -> None:
    """Kill a run at `point`; readers still see one whole build: the day
    before's (or, killed while publishing, the next day's)."""
    name, pattern, delay = point
    build_killed_at(root, extract, workdir, pattern, delay)
    after_kill = published(workdir / "rpm.duckdb")
    assert after_kill in (before_marts, full_marts), f"{name}: a reader sees a mix of builds"


def assert_repaired(rerun, full, full_marts, name: str) -> None:
    """The run after the kills is green and ends equal to a full build of
    the export, table by table, published marts included."""
    assert rerun.returncode == 0, f"{name}:\n" + rerun.output[-3000:]
    assert table_differences(rerun.database, full.database) == {}, name
    assert published(rerun.database) == full_marts, name


def recovered_from(rerun):
    return rerun.query(
        "select distinct recovered_from_run_ids from audit.audit_run_evidence "
        "where run_id = (select run_id from marts.rpt_build_info)"
    ).iloc[0, 0]


def test_a_run_killed_at_every_point_in_turn_is_repaired(root, before_and_full, tmp_path):
    """One database, the runs killed at each point before publication in
    turn (each kill hits the run that would have repaired the one before),
    then a run to the end."""
    before, full, before_marts, full_marts = before_and_full
    extract = full.database.parent.parent / "next_day"
    shutil.copy(before.database, tmp_path / "rpm.duckdb")
    for point in KILL_POINTS[:-1]:
        killed_and_read(root, extract, tmp_path, point, before_marts, full_marts)
        if point[0] == "inside the raw load":  # one transaction: nothing changed
            assert published(tmp_path / "rpm.duckdb", "raw") == published(before.database, "raw")
    rerun = dbt_build(root, extract, tmp_path)
    assert_repaired(rerun, full, full_marts, "after every kill point")
    # Runs were killed with the extract's changes unrestated: the rerun
    # says it recovered from them and restates everything.
    assert recovered_from(rerun), "the rerun does not say it recovered"
    assert "restates everything" in rerun.output


@pytest.mark.parametrize(
    "point", [p for p in KILL_POINTS if p[0] in ONE_BY_ONE], ids=list(ONE_BY_ONE)
)
def test_a_killed_run_is_repaired_by_the_next_run(root, before_and_full, tmp_path, point):
    name = point[0]
    before, full, before_marts, full_marts = before_and_full
    extract = full.database.parent.parent / "next_day"
    shutil.copy(before.database, tmp_path / "rpm.duckdb")
    killed_and_read(root, extract, tmp_path, point, before_marts, full_marts)
    rerun = dbt_build(root, extract, tmp_path)
    assert_repaired(rerun, full, full_marts, name)
    if name != "during publication":  # (there the changes were restated)
        assert recovered_from(rerun), f"{name}: the rerun does not say it recovered"
        assert "restates everything" in rerun.output


def test_a_failed_data_test_publishes_nothing(root, next_day_builds, tmp_path):
    """The next day's build with one more singular data test that fails (in
    a copy of the project): the build's marts stay in marts_build, readers
    keep the day before's, and the log says what was not published and why."""
    _, full, before = next_day_builds
    project = tmp_path / "project"
    shutil.copytree(
        root,
        project,
        ignore=shutil.ignore_patterns(".venv", ".git", "data", "target", "logs", "reports"),
    )
    (project / "tests" / "assert_failing_on_purpose.sql").write_text(
        "select 1 as failure_on_purpose\n"
    )
    shutil.copy(before.database, tmp_path / "rpm.duckdb")
    failed = dbt_build(project, full.database.parent.parent / "next_day", tmp_path)
    assert failed.returncode != 0
    assert re.search(
        r"marts not published: 1 nodes did not pass \(e\.g\. assert_failing_on_purpose: fail\)",
        failed.output,
    ), failed.output[-3000:]
    assert published(failed.database) == published(before.database)
    assert len(failed.query("select * from audit.published_runs")) == len(
        before.query("select * from audit.published_runs")
    )
    # The build itself is complete, out of sight: marts_build holds the next day.
    assert (
        failed.query("select extract_date from marts_build.rpt_build_info").iloc[0, 0]
        == (full.query("select extract_date from marts.rpt_build_info").iloc[0, 0])
    )


def test_a_second_build_on_a_database_in_use_stops_at_once(root, clean, tmp_path):
    build, _ = clean
    shutil.copy(build.database, tmp_path / "rpm.duckdb")
    hold = f"import duckdb, time; con = duckdb.connect({str(tmp_path / 'rpm.duckdb')!r}); "
    holder = subprocess.Popen([str(DBT.parent / "python"), "-c", hold + "time.sleep(90)"])
    try:
        time.sleep(2)
        second = dbt_build(root, build.database.parent.parent / "extract", tmp_path)
        assert second.returncode != 0
        # At once: before any hook or node starts (dbt parses the project
        # first, as for any command).
        assert " START " not in second.output, second.output[-2000:]
        message = [line for line in second.output.splitlines() if "is in use by" in line]
        assert message and f"PID {holder.pid}" in message[0], second.output[-2000:]
        assert "Traceback" not in second.output
    finally:
        holder.kill()
