"""The receivables-* commands as a user meets them (README.md, Commands):
complete --help with defaults, --version, one option vocabulary, exit codes
0 / 1 / 2 and a one-line message naming the input for every user error."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from receivables_rpm import cli

BIN = Path(sys.executable).parent


def scripts(root: Path) -> dict[str, str]:
    pyproject = tomllib.loads((root / "python" / "pyproject.toml").read_text())
    return pyproject["project"]["scripts"]


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=root, capture_output=True, text=True, timeout=300
    )


def parser_of(module_main, monkeypatch) -> argparse.ArgumentParser:
    """The parser a command's main builds, caught as it answers --help."""
    made = []
    original = cli.parser

    def keep(prog, doc):
        made.append(original(prog, doc))
        return made[-1]

    monkeypatch.setattr(cli, "parser", keep)
    with pytest.raises(SystemExit) as done:
        module_main(["--help"])
    assert done.value.code == 0
    return made[0]


def test_every_command_has_the_distinctive_name_and_a_documented_help(root, monkeypatch, capsys):
    # The documented defaults, on one line each.
    monkeypatch.delenv("AR_DUCKDB_PATH", raising=False)
    monkeypatch.delenv("AR_EXTRACT_DIR", raising=False)
    monkeypatch.setenv("COLUMNS", "400")
    commands = scripts(root)
    assert commands and all(name.startswith("receivables-") for name in commands)
    readme = (root / "README.md").read_text()
    assert len(readme.splitlines()) < 250  # a README that fits on a screen or two
    documented = set(re.findall(r"^\| `(receivables-[a-z-]+)` \|", readme, flags=re.M))
    assert documented == set(commands)
    for name, entry in commands.items():
        module, function = entry.split(":")
        main = getattr(__import__(module, fromlist=[function]), function)
        command = parser_of(main, monkeypatch)
        assert command.prog == name
        # A description of whole sentences, not cut at a line end.
        assert command.description and command.description.rstrip().endswith((".", "?", ")"))
        text = capsys.readouterr().out
        assert "--version" in text and "exit codes: 0 ok, 1 checks failed, 2 usage" in text
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.option_strings}: no help"
            if action.nargs != 0 and action.default not in (None, argparse.SUPPRESS):
                assert f"(default: {action.default})" in " ".join(text.split()), (
                    f"{name} {action.option_strings}: default not shown"
                )
        # One vocabulary: the shared options mean one thing.
        for action in command._actions:
            if "--database" in action.option_strings or "--against" in action.option_strings:
                assert action.metavar == "FILE"
            if "--extract" in action.option_strings or "--out" in action.option_strings:
                assert action.metavar == "DIR"
        assert not any(
            option in ("--duckdb", "--report", "--target-dir")
            for action in command._actions
            for option in action.option_strings
        )


def test_version_is_the_package_version_and_the_changelog_release(root):
    version = tomllib.loads((root / "python" / "pyproject.toml").read_text())["project"]["version"]
    done = run(root, "receivables-summary", "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"receivables-summary {version}"
    changelog = (root / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, flags=re.M)
    assert released[0] == version
    assert "version:" not in (root / "dbt_project.yml").read_text().split("config-version")[0]


def test_a_missing_input_is_one_line_with_exit_code_2(root, tmp_path):
    nowhere = tmp_path / "nowhere"
    foreign = tmp_path / "my documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("not an extract")
    cases = {
        ("receivables-generate", "--out", str(foreign), "--customers", "5"): str(foreign),
        ("receivables-validate", "--extract", str(nowhere)): str(nowhere),
        ("receivables-load", "--extract", str(nowhere)): str(nowhere),
        ("receivables-summary", "--database", str(nowhere / "x.duckdb")): "x.duckdb",
        ("receivables-dashboard", "--database", str(nowhere / "x.duckdb")): "x.duckdb",
        ("receivables-next-day", "--extract", str(nowhere), "--out", str(tmp_path / "b")): str(
            nowhere
        ),
        (
            "receivables-compare-builds",
            "--database",
            str(nowhere / "a.duckdb"),
            "--against",
            str(nowhere / "b.duckdb"),
        ): "a.duckdb",
        ("receivables-check-project", "--target-path", str(nowhere)): "manifest.json",
    }
    assert {args[0] for args in cases} == set(scripts(root))
    for args, named in cases.items():
        done = run(root, *args)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert len(lines) == 1 and lines[0].startswith(f"{args[0]}: error: "), done.stderr
        assert named in lines[0]
    # A usage error is one line too.
    wrong = run(root, "receivables-summary", "--no-such-option")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        "receivables-summary: error: unrecognized arguments: --no-such-option (see --help)"
    ]
    # The folder that was no extract is untouched.
    assert (foreign / "thesis.txt").read_text() == "not an extract"


def test_a_comparison_that_finds_a_difference_exits_1(root, tmp_path):
    for name, value in (("first", 1), ("second", 2)):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as con:
            con.execute("create schema marts")
            con.execute(f"create table marts.t as select {value} as amount")
    done = run(
        root,
        "receivables-compare-builds",
        "--database",
        str(tmp_path / "first.duckdb"),
        "--against",
        str(tmp_path / "second.duckdb"),
    )
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["marts.t: 1 rows differ", "1 tables differ"]
    shutil.copy(tmp_path / "first.duckdb", tmp_path / "copy.duckdb")
    same = run(
        root,
        "receivables-compare-builds",
        "--database",
        str(tmp_path / "first.duckdb"),
        "--against",
        str(tmp_path / "copy.duckdb"),
    )
    assert same.returncode == 0 and same.stdout.strip() == "same rows"


def test_a_database_in_use_or_not_duckdb_is_one_line_with_exit_code_2(root, tmp_path):
    busy = tmp_path / "busy.duckdb"
    duckdb.connect(str(busy)).close()
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("not a database")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(120)",
            str(busy),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        for database, named in ((busy, f"is in use by PID {holder.pid}"), (not_duckdb, "notes")):
            for args in (
                ("receivables-summary", "--database", str(database)),
                ("receivables-dashboard", "--database", str(database), "--out", str(tmp_path)),
                ("receivables-compare-builds", "--database", str(database), "--against", str(busy)),
            ):
                done = run(root, *args)
                lines = done.stderr.strip().splitlines()
                assert done.returncode == 2, (args, done.stdout, done.stderr)
                assert len(lines) == 1 and lines[0].startswith(f"{args[0]}: error: "), done.stderr
                assert named in lines[0], lines[0]
                assert done.stdout == "", done.stdout
    finally:
        holder.kill()
        holder.wait()


def test_every_bad_input_is_one_line_with_exit_code_2(root, tmp_path):
    """The class of user errors beyond a missing input: a folder that cannot
    be written, a file where a folder belongs and the reverse, an option
    value out of range, a bad environment variable, a file that is not what
    it claims, nothing to compare (issue 21: never a traceback)."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{")
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "manifest.json").write_text('{"nodes": {}}')
    (odd / "run_results.json").write_text("[]")
    unwritable = "/proc/no/such/folder"
    worked = str(root / "docs" / "spec" / "worked_example")
    cases = [
        (("receivables-generate", "--out", unwritable, "--customers", "3"), "/proc/no"),
        (("receivables-generate", "--messy", "2"), "2 is not a share from 0 to 1"),
        (("receivables-generate", "--customers", "0"), "0 is less than 1"),
        (("receivables-validate", "--extract", worked, "--out", unwritable), "/proc/no"),
        (("receivables-validate", "--extract", worked, "--max-rows", "-5"), "-5 is less than 1"),
        (("receivables-validate", "--extract", str(a_file)), "is a file, not a folder"),
        (("receivables-next-day", "--extract", worked, "--out", unwritable), "/proc/no"),
        (("receivables-load", "--extract", str(a_file)), "is a file, not a folder"),
        (("receivables-summary", "--database", str(tmp_path)), "is a folder, not a DuckDB"),
        (("receivables-summary", "--database", str(empty), "--run-results", str(a_file)), "notes"),
        (
            ("receivables-compare-builds", "--database", str(empty), "--against", str(a_file)),
            "(--against)",
        ),
        (
            ("receivables-compare-builds", "--database", str(empty), "--against", str(empty)),
            "nothing to compare",
        ),
        (("receivables-check-project", "--target-path", str(target)), "is not dbt's manifest"),
        (("receivables-check-project", "--target-path", str(odd)), "does not hold dbt's"),
        (
            (
                "receivables-summary",
                "--database",
                str(empty),
                "--run-results",
                str(odd / "run_results.json"),
            ),
            "cannot read dbt's record of the build",
        ),
    ]
    for args, named in cases:
        done = run(root, *args)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, (args, done.stdout, done.stderr[-2000:])
        assert len(lines) == 1 and lines[0].startswith(f"{args[0]}: error: "), done.stderr
        assert named in lines[0], (args, lines[0])
    # A first load that fails leaves no empty database behind.
    corrupt = tmp_path / "corrupt"
    shutil.copytree(worked, corrupt, ignore=shutil.ignore_patterns("customers.csv"))
    (corrupt / "customers.parquet").write_text("not parquet")
    fresh = tmp_path / "fresh.duckdb"
    done = run(root, "receivables-load", "--extract", str(corrupt), "--database", str(fresh))
    assert done.returncode == 2 and "customers.parquet" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not fresh.exists()
    for command, *args in (
        ("receivables-summary",),
        ("receivables-dashboard",),
        ("receivables-load", "--extract", worked),
    ):
        done = subprocess.run(
            [str(BIN / command), "--postgres", *args],
            cwd=root,
            env={**os.environ, "RPM_PG_PORT": "abc"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            f"{command}: error: RPM_PG_PORT='abc' is not a port number"
        ]


def test_next_day_of_a_messy_extract_in_an_awkward_folder(root, tmp_path):
    """receivables-next-day copies a --messy extract (dates that do not
    parse) from a folder whose name needs quoting in SQL, and adds the day."""
    source = tmp_path / "it's messy"
    made = run(root, "receivables-generate", "--out", str(source), "--customers", "40",
               "--months", "4", "--messy", "0.05")  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = tmp_path / "next"
    done = run(root, "receivables-next-day", "--extract", str(source), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("next day ")
    before = pd.read_csv(source / "ar_documents.csv", dtype=str, keep_default_na=False)
    after = pd.read_csv(out / "ar_documents.csv", dtype=str, keep_default_na=False)
    assert len(after) > len(before)
    # The rows that do not parse travel unchanged, value for value.
    unparseable = before[before.document_date.str.contains("-13-")]
    assert len(unparseable)
    assert unparseable.merge(after, how="left", indicator=True)["_merge"].eq("both").all()
