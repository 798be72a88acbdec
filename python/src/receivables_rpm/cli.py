"""What every receivables-* command shares: one option vocabulary, --help with
defaults, --version, the exit codes and a one-line message for a user's error.

Exit codes: 0 ok, 1 checks failed (a validation, comparison or project check
found problems), 2 a usage or input error (a missing folder, file or
database, an option that makes no sense), printed as one line
"<command>: error: <what, naming the input>" on stderr, never a traceback.

Options mean the same in every command:
  --extract DIR     an extract folder (AR_EXTRACT_DIR, else data/demo_extract)
  --database FILE   a DuckDB database (AR_DUCKDB_PATH, else data/rpm.duckdb)
  --postgres        the Postgres target instead (RPM_PG_* variables)
  --out DIR         the folder the command writes into
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import duckdb

from receivables_rpm import duckdb_lock

DISTRIBUTION = "receivables-rpm"
OK, CHECKS_FAILED, USAGE_ERROR = 0, 1, 2

EXIT_CODES = (
    "exit codes: 0 ok, 1 checks failed, 2 usage or input error (one line on stderr). "
    "Every receivables-* command: README.md, Commands."
)


class UserError(Exception):
    """A usage or input error: the message names the input and the reason."""


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree without installing it
        return "unknown (not installed)"


class _HelpFormatter(argparse.HelpFormatter):
    """Each option that takes a value shows its default after its help."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help = action.help or ""
        if action.nargs != 0 and action.default not in (None, argparse.SUPPRESS):
            help += " (default: %(default)s)"
        return help


class _Parser(argparse.ArgumentParser):
    """A usage error in one line (argparse prints the whole usage first)."""

    def error(self, message: str):
        fail(self.prog, f"{message} (see --help)")
        raise SystemExit(USAGE_ERROR)


def parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """A command's parser: the description is the module docstring's first
    paragraph, whole; --version and the exit codes come with it."""
    description = doc.strip().split("\n\n")[0]
    if description.startswith(f"{prog}:"):
        description = description[len(prog) + 1 :].strip()
        description = description[0].upper() + description[1:]
    command = _Parser(
        prog=prog, description=description, epilog=EXIT_CODES, formatter_class=_HelpFormatter
    )
    command.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    return command


def default_extract() -> Path:
    return Path(os.environ.get("AR_EXTRACT_DIR", "data/demo_extract"))


def default_database() -> Path:
    return Path(os.environ.get("AR_DUCKDB_PATH", "data/rpm.duckdb"))


def add_extract(command: argparse.ArgumentParser, help: str = "the extract folder") -> None:
    command.add_argument(
        "--extract",
        type=Path,
        default=default_extract(),
        metavar="DIR",
        help=f"{help}; AR_EXTRACT_DIR sets the default",
    )


def add_database(command: argparse.ArgumentParser, help: str = "the DuckDB database") -> None:
    command.add_argument(
        "--database",
        type=Path,
        default=default_database(),
        metavar="FILE",
        help=f"{help}; AR_DUCKDB_PATH sets the default",
    )


def add_postgres(command: argparse.ArgumentParser, help: str) -> None:
    command.add_argument("--postgres", action="store_true", help=help)


def add_out(command: argparse.ArgumentParser, default: Path | None, help: str) -> None:
    command.add_argument(
        "--out",
        type=Path,
        default=default,
        required=default is None,
        metavar="DIR",
        help=help,
    )


def postgres_arguments() -> dict:
    """psycopg2 connection arguments of the Postgres target, from the same
    variables as the dbt profile (scripts/postgres_cluster.sh env prints them);
    a UserError for a port that is not a number."""
    port = os.environ.get("RPM_PG_PORT", "55432")
    if not port.isdigit():
        raise UserError(f"RPM_PG_PORT={port!r} is not a port number")
    return {
        "host": os.environ.get("RPM_PG_HOST", "127.0.0.1"),
        "port": int(port),
        "dbname": os.environ.get("RPM_PG_DATABASE", "rpm"),
        "user": os.environ.get("RPM_PG_USER", "rpm_owner"),
        "password": os.environ.get("RPM_PG_PASSWORD", ""),
    }


def extract_folder(path: Path) -> Path:
    """The extract folder, or a UserError naming it."""
    if path.exists() and not path.is_dir():
        raise UserError(f"extract folder {path} is a file, not a folder (--extract)")
    if not path.is_dir():
        raise UserError(f"extract folder {path} does not exist (--extract or AR_EXTRACT_DIR)")
    return path


def database_file(path: Path, option: str = "--database or AR_DUCKDB_PATH") -> Path:
    """An existing DuckDB database, or a UserError naming it and its option."""
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a DuckDB database ({option})")
    if not path.is_file():
        raise UserError(f"no database at {path} ({option}): run `make run` or `dbt build` first")
    return path


def open_database(
    path: Path, option: str = "--database or AR_DUCKDB_PATH"
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a DuckDB build, or a UserError in one line:
    no such file, in use by a build, or not a DuckDB database."""
    try:
        return duckdb_lock.connect(database_file(path, option), read_only=True)
    except duckdb_lock.DatabaseInUse as error:
        raise UserError(str(error)) from None
    except duckdb.Error as error:
        raise UserError(f"cannot open {path} ({option}): {first_line(error)}") from None


def first_line(error: Exception) -> str:
    """An engine's error as one line: its type and the first line of its message."""
    return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[0]}"


def fail(prog: str, error: Exception | str) -> int:
    """Report a usage or input error in one line; the exit code 2."""
    print(f"{prog}: error: {error}", file=sys.stderr)
    return USAGE_ERROR


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is less than 1")
    return value


def share(text: str) -> float:
    """argparse type: a share from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share from 0 to 1")
    return value


def run(prog: str, body: Callable[[], int]) -> int:
    """Run a command's body: a UserError, or a file the system refuses (an
    --out that cannot be written, an input that cannot be read), becomes one
    line and exit code 2."""
    try:
        return body()
    except UserError as error:
        return fail(prog, error)
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        return fail(prog, f"{error.strerror or type(error).__name__}{where}")
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def progress(prog: str, message: str) -> None:
    """A progress line of long work, on stderr (stdout stays the result)."""
    print(f"{prog}: {message}", file=sys.stderr, flush=True)
