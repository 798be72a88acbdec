"""One writer at a time on a DuckDB file, said in one line.

DuckDB lets one process write a database file (and no other process read it
meanwhile). A second `dbt build`, `receivables-summary` or `receivables-dashboard` on a file
a build holds used to end in DuckDB's traceback; here it stops at once with
the project's message naming the holder. dbt-duckdb loads `Plugin` from
profiles.yml (`plugins: - module: receivables_rpm.duckdb_lock`) and calls it just before
it opens the file; the command-line tools call `connect`.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


class DatabaseInUse(Exception):
    """The file is locked by another process: the message is one line."""


def holder(error: Exception) -> str:
    """The process a DuckDB lock error names, as 'PID n (command line)'."""
    found = HOLDER.search(str(error))
    if not found:
        return "another process"
    pid = found["pid"]
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        command = found["program"]
    return f"PID {pid} ({command})"


def in_use_message(path: str | Path, error: Exception) -> str:
    return (
        f"the database {path} is in use by {holder(error)}; "
        "wait for that run to end (or stop it), then run again"
    )


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, with a lock held by another process raised as
    DatabaseInUse (one line naming the holder)."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "Could not set lock" not in str(error):
            raise
        raise DatabaseInUse(in_use_message(path, error)) from None


try:
    from dbt.adapters.duckdb.plugins import BasePlugin
    from dbt_common.exceptions import DbtRuntimeError
except ImportError:  # the command-line tools do not need dbt
    BasePlugin = object  # type: ignore[assignment,misc]


class Plugin(BasePlugin):  # type: ignore[misc,valid-type]
    """dbt-duckdb plugin: before dbt opens the database file, try it; a lock
    held elsewhere stops the run with the one-line message."""

    def update_connection_config(self, creds, config) -> None:
        path = creds.path
        if not path or path == ":memory:" or path.startswith("md:"):
            return
        try:
            connect(path).close()
        except DatabaseInUse as error:
            raise DbtRuntimeError(f"rpm: {error}") from None
