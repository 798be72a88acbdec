"""The receivables-* commands as a user meets them (README.md, Commands):
complete --help with defaults, --version, one option vocabulary, exit codes
0 / 1 / 2 and a one-line message naming the input for every user error."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
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
        ): "b.duckdb",
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
