"""receivables-load, the raw load run before dbt: its user errors are one line with
exit code 2 and change nothing; loads that no build restated make the next
build restate everything; `dbt build` without a load says what to run."""

from __future__ import annotations

import shutil
import subprocess

import duckdb
import pytest
from conftest import DBT, LOAD

pytestmark = pytest.mark.integration


@pytest.fixture
def environment(root, tmp_path, monkeypatch):
    env = {
        "DBT_PROFILES_DIR": str(root),
        "AR_DUCKDB_PATH": str(tmp_path / "rpm.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RPM_TARGET", raising=False)
    return env


def load(root, extract, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LOAD), "--extract", str(extract), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


def raw_rows(database, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_a_folder_against_the_contract_is_refused_in_one_line(
    root, worked_example, tmp_path, environment
):
    extract = tmp_path / "extract"
    shutil.copytree(worked_example, extract)
    first = load(root, extract)
    assert first.returncode == 0, first.stderr
    before = raw_rows(tmp_path / "rpm.duckdb", "select * from raw.ar_documents order by all")

    (extract / "ar_documents.csv").rename(tmp_path / "ar_documents.csv")
    missing = load(root, extract)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        f"receivables-load: error: Required extract table 'ar_documents' is missing: expected "
        f"{extract}/ar_documents.csv or .parquet (--extract or AR_EXTRACT_DIR)."
    )

    shutil.copy(tmp_path / "ar_documents.csv", extract / "ar_documents.csv")
    duckdb.sql(
        f"copy (select * from read_csv('{extract}/ar_documents.csv', all_varchar = true)) "
        f"to '{extract}/ar_documents.parquet'"
    )
    both = load(root, extract)
    assert both.returncode == 2
    assert both.stderr.strip() == (
        f"receivables-load: error: Extract folder {extract} holds both ar_documents.csv "
        "and ar_documents.parquet: keep one."
    )

    absent = load(root, tmp_path / "no such folder")
    assert absent.returncode == 2
    assert "extract folder" in absent.stderr and "does not exist" in absent.stderr

    unknown = load(root, extract, "--target", "nowhere")
    assert unknown.returncode == 2
    assert unknown.stderr.strip().startswith(
        "receivables-load: error: the profile has no target 'nowhere'"
    )

    # A file the engine cannot read (a truncated Parquet file): one line
    # naming the error, nothing loaded.
    (extract / "ar_documents.csv").unlink()
    (extract / "ar_documents.parquet").write_bytes(
        (extract / "ar_documents.parquet").read_bytes()[:200]
    )
    unreadable = load(root, extract)
    assert unreadable.returncode == 2
    assert (
        unreadable.stderr.startswith("receivables-load: error: ")
        and len(unreadable.stderr.splitlines()) == 1
    )

    for refused in (missing, both, absent, unknown, unreadable):
        assert "Traceback" not in refused.stderr
    # The refused loads changed nothing.
    after = raw_rows(tmp_path / "rpm.duckdb", "select * from raw.ar_documents order by all")
    assert after == before


def test_loads_that_no_build_restated_make_the_next_build_restate_everything(
    root, worked_example, tmp_path, environment
):
    first = load(root, worked_example)
    assert first.returncode == 0, first.stderr
    database = tmp_path / "rpm.duckdb"
    [(first_id,)] = raw_rows(database, "select run_id from raw._unrestated_loads")
    assert raw_rows(database, "select * from raw._load_state") == [(False, None, None)]

    # The same folder again: every table compares row by row, nothing
    # changed, but the first load's changes were never restated.
    second = load(root, worked_example)
    assert second.returncode == 0, second.stderr
    assert f"an earlier load or run ({first_id})" in second.stdout
    assert raw_rows(database, "select * from raw._load_state") == [(False, None, first_id)]
    assert raw_rows(database, "select count(*) from raw._changed_rows") == [(0,)]
    [(second_id, attempted_by)] = raw_rows(
        database, "select run_id, attempted_by from raw._unrestated_loads"
    )
    assert second_id != first_id and attempted_by is None

    # A build that claimed the second load and died: the third load names
    # that build.
    with duckdb.connect(str(database)) as con:
        con.execute("update raw._unrestated_loads set attempted_by = 'dbt-run-that-died'")
    third = load(root, worked_example)
    assert third.returncode == 0, third.stderr
    assert raw_rows(database, "select * from raw._load_state") == [
        (False, None, "dbt-run-that-died")
    ]


def test_a_build_without_a_load_says_what_to_run(root, tmp_path, environment):
    built = subprocess.run(
        [str(DBT), "build", "--no-use-colors", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert built.returncode != 0
    assert "The raw schema raw holds no loaded extract: run `receivables-load`" in built.stdout, (
        built.stdout[-2000:]
    )
