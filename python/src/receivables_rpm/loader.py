"""receivables-load: load an extract folder into the raw schema of a dbt target. Run
it before `dbt build` (make run does both).

One table per contract table (models/staging/erp/_erp__sources.yml), every
contract column as text as the file holds it, plus _raw_row_id (the row's
1-based position in its file). Columns the contract does not list are
ignored; a contract column missing from the file loads as NULL (its required
checks then quarantine the rows). An optional table without a file loads
empty; a required one missing, or a table with both a .csv and a .parquet
file, stops the load with one line naming the folder and the file.

The connection is the dbt profile's (profiles.yml as dbt renders it; target
RPM_TARGET or --target), and so are the schema names: raw on a production
target, <schema>_raw on any other (macros/generate_schema_name.sql).

Bookkeeping tables (dbt sources rpm_load): _extract_files (each file's path,
size and MD5, for the run evidence), _changed_rows (the raw rows a load
removed and added) and _load_state (whether the next build may restate only
what changed).

DuckDB loads row by row: the file is compared with the raw table by position
and cells, and only the rows removed and added change (docs/incremental.md).
The whole load is one transaction, so a load killed anywhere leaves the
previous raw rows. Crash safety: the load leaves a mark in
_unrestated_loads; a build that restates everything it must marks it
attempted (on-run-start) and takes it away once every model built
(on-run-end, mark_load_restated). A load that finds a mark left behind (a
load never built, or a build that died) makes the next build restate
everything. Postgres and Spark loads are whole: their builds restate
everything. Spark connects as dbt-spark does (session or thrift method).

Paths are data, never SQL text: DuckDB reads each file through a bound
variable and Postgres receives the rows by COPY from this process. Spark SQL
binds no value where a path goes: the path is written as an escaped literal
(spark_quoted).
"""

from __future__ import annotations

import hashlib
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from receivables_rpm import cli, project_root, schema_name, schema_prefix_error
from receivables_rpm.contract import ContractColumn, ContractTable, load_contract

PROG = "receivables-load"

# The loader's bookkeeping tables, for every engine ("text": the engine's
# string type).
EXTRACT_FILES = [
    ("table_name", "text"),
    ("file_path", "text"),
    ("file_bytes", "bigint"),
    ("file_md5", "text"),
]
CHANGED_ROWS = [
    ("table_name", "text"),
    ("change", "text"),
    ("_raw_row_id", "bigint"),
    ("record_key", "text"),
    ("customer_id", "text"),
    ("document_id", "text"),
    ("source_id", "text"),
    ("row_date", "text"),
]
LOAD_STATE = [
    ("is_incremental", "boolean"),
    ("previous_extract_date", "date"),
    ("unfinished_run_ids", "text"),
]
UNRESTATED_LOADS = [("run_id", "text"), ("loaded_at", "timestamp"), ("attempted_by", "text")]


def column_list(columns: list[tuple[str, str]], text_type: str) -> str:
    return ", ".join(f"{name} {text_type if kind == 'text' else kind}" for name, kind in columns)


class LoadError(Exception):
    """A load that cannot go on (a folder that does not follow the contract,
    a database in use, a profile without the target): one line."""


@dataclass(frozen=True)
class Target:
    """A dbt profile target as dbt renders it."""

    name: str
    settings: dict
    production: bool

    @property
    def type(self) -> str:
        return self.settings["type"]

    @property
    def schema_prefix(self) -> str | None:
        return None if self.production else self.settings["schema"]

    def schema(self, layer: str) -> str:
        return schema_name(layer, self.schema_prefix)


def profiles_dir() -> Path:
    """Where dbt looks for profiles.yml: DBT_PROFILES_DIR, the working
    directory, then ~/.dbt."""
    if os.environ.get("DBT_PROFILES_DIR"):
        return Path(os.environ["DBT_PROFILES_DIR"])
    if Path("profiles.yml").exists():
        return Path.cwd()
    return Path.home() / ".dbt"


def profile_target(name: str | None = None) -> Target:
    """The target `name` (default: the profile's own, RPM_TARGET) of the
    project's profile, rendered by dbt (env_var and all)."""
    from dbt.config.profile import read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(os.environ)
    root = project_root()
    project = yaml.safe_load((root / "dbt_project.yml").read_text())
    profile = read_profile(str(profiles_dir())).get(project["profile"])
    if not profile:
        raise LoadError(
            f"{PROG}: no profile {project['profile']!r} in {profiles_dir()}: run from the "
            "project folder or set DBT_PROFILES_DIR to it"
        )
    renderer = ProfileRenderer({})
    # As dbt chooses: --target, then DBT_TARGET, then the profile's own.
    name = name or os.environ.get("DBT_TARGET") or renderer.render_value(profile["target"])
    if name not in profile["outputs"]:
        raise LoadError(
            f"{PROG}: the profile has no target {name!r} (targets: {', '.join(profile['outputs'])})"
        )
    production = project["vars"]["rpm_prod_targets"]
    target = Target(name, renderer.render_data(profile["outputs"][name]), name in production)
    # The schema prefix goes into SQL text, and an upper-case one would not
    # match the catalog's lower-case names.
    error = schema_prefix_error(PROG, target.schema_prefix)
    if error:
        raise LoadError(f"{error}: the schema of target {name} in the profile")
    return target


def extract_file(folder: Path, table: ContractTable) -> Path | None:
    """The table's one file (CSV or Parquet), None for an optional table
    without one."""
    found = [
        p for p in (folder / f"{table.name}.csv", folder / f"{table.name}.parquet") if p.exists()
    ]
    if len(found) > 1:
        raise LoadError(
            f"Extract folder {folder} holds both {table.name}.csv and "
            f"{table.name}.parquet: keep one."
        )
    if not found and table.required:
        raise LoadError(
            f"Required extract table '{table.name}' is missing: expected "
            f"{folder}/{table.name}.csv or .parquet (--extract or AR_EXTRACT_DIR)."
        )
    return found[0] if found else None


def file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def report(raw: str, table: ContractTable, path: Path | None) -> None:
    print(f"{raw}.{table.name} <- {path if path else '(absent, empty)'}", flush=True)


# --- DuckDB: row by row, one transaction ------------------------------------


def clean_text(column: ContractColumn) -> str:
    """As staging cleans a cell (macro clean_text): trimmed, empty as NULL,
    codes in their canonical case."""
    trimmed = f"nullif(trim({column.name}), '')"
    if column.case == "upper":
        return f"upper({trimmed})"
    if column.case == "lower":
        return f"lower({trimmed})"
    return trimmed


def record_key(table: ContractTable) -> str:
    """The raw row's primary key as record_key spells it (macro
    raw_record_key): key parts cleaned, joined with '|'."""
    columns = {c.name: c for c in table.columns}
    return " || '|' || ".join(f"coalesce({clean_text(columns[k])}, '')" for k in table.primary_key)


def duckdb_reader(path: Path) -> tuple[str, str]:
    """The DuckDB table function reading the file named by the variable
    rpm_extract_file, and the row position it gives."""
    if path.suffix == ".csv":
        return (
            "read_csv(getvariable('rpm_extract_file'), header = true, all_varchar = true, "
            "delim = ',', quote = '\"', escape = '\"')",
            "row_number() over ()",
        )
    return (
        "read_parquet(getvariable('rpm_extract_file'), file_row_number = true)",
        "file_row_number + 1",
    )


def duckdb_file_rows(con, path: Path | None, table: ContractTable) -> str:
    """The file's rows as the raw table holds them: contract columns as
    text, _raw_row_id, and _row_fingerprint (a hash of the cells and the
    position). The file's path is bound to the variable rpm_extract_file."""
    names = table.column_names
    if path is None:
        cells = ", ".join(f"cast(null as varchar) as {c}" for c in names)
        rows = f"select {cells}, cast(null as bigint) as _raw_row_id where false"
    else:
        con.execute("set variable rpm_extract_file = ?", [str(path)])
        reader, position = duckdb_reader(path)
        present = {
            row[0].lower(): row[0]
            for row in con.execute(f"describe select * from {reader}").fetchall()
        }
        cells = ", ".join(
            f'cast("{present[c]}" as varchar) as {c}'
            if c in present
            else f"cast(null as varchar) as {c}"
            for c in names
        )
        rows = f"select {cells}, {position} as _raw_row_id from {reader}"
    return f"select *, hash({', '.join(names)}, _raw_row_id) as _row_fingerprint from ({rows})"


def load_duckdb(folder: Path, target: Target, full_refresh: bool = False) -> str:
    """Load the folder into the target's DuckDB file; returns the load id."""
    from receivables_rpm.duckdb_lock import DatabaseInUse, connect

    raw = target.schema("raw")
    contract = load_contract(project_root())
    load_id = f"load-{uuid.uuid4()}"
    path = target.settings.get("path", "data/rpm.duckdb")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    created = not Path(path).exists()
    try:
        con = connect(path)
    except DatabaseInUse as error:
        raise LoadError(str(error)) from None
    loaded = False
    try:
        for setting, value in (target.settings.get("settings") or {}).items():
            con.execute(f"set {setting} = ?", [value])
        # Row positions come from the file's order.
        con.execute("set preserve_insertion_order = true")
        con.execute("begin transaction")
        con.execute(f"create schema if not exists {raw}")
        con.execute(
            f"create or replace table {raw}._extract_files "
            f"({column_list(EXTRACT_FILES, 'varchar')})"
        )
        con.execute(
            f"create or replace table {raw}._changed_rows ({column_list(CHANGED_ROWS, 'varchar')})"
        )
        previous_extract_date = duckdb_previous_extract_date(con, target)
        left_unrestated = duckdb_take_marks(con, raw)
        if left_unrestated:
            print(
                f"{PROG}: an earlier load or run ({', '.join(left_unrestated)}) left the "
                "extract's changes unrestated: the next build restates everything",
                flush=True,
            )
        con.execute(f"insert into {raw}._unrestated_loads values (?, now(), null)", [load_id])
        row_by_row = 0
        for table in contract.values():
            file = extract_file(folder, table)
            rows = duckdb_file_rows(con, file, table)
            stored = [
                row[0].lower()
                for row in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [raw, table.name],
                ).fetchall()
            ]
            if stored == table.column_names + ["_raw_row_id", "_row_fingerprint"] and not (
                full_refresh
            ):
                duckdb_load_changed_rows(con, raw, table, rows)
                row_by_row += 1
            else:
                con.execute(f"create or replace table {raw}.{table.name} as {rows}")
            if file is not None:
                con.execute(
                    f"insert into {raw}._extract_files values (?, ?, ?, ?)",
                    [table.name, str(file), file.stat().st_size, file_md5(file)],
                )
            report(raw, table, file)
        con.execute(
            f"create or replace table {raw}._load_state ({column_list(LOAD_STATE, 'varchar')})"
        )
        con.execute(
            f"insert into {raw}._load_state values (?, cast(? as date), ?)",
            [
                row_by_row == len(contract) and not left_unrestated,
                previous_extract_date,
                ",".join(left_unrestated) or None,
            ],
        )
        con.execute("commit")
        loaded = True
    finally:
        con.close()
        if created and not loaded:
            # A first load that failed leaves no empty database behind.
            Path(path).unlink(missing_ok=True)
            Path(f"{path}.wal").unlink(missing_ok=True)
    return load_id


def duckdb_take_marks(con, raw: str) -> list[str]:
    """The loads whose changes no build restated (each named by the build
    that died restating it, or by the load itself when none tried), and
    their marks taken away: this load's build restates everything."""
    con.execute(
        f"create table if not exists {raw}._unrestated_loads "
        f"({column_list(UNRESTATED_LOADS[:2], 'varchar')})"
    )
    # Databases built before 1.5 have no attempted_by.
    con.execute(
        f"alter table {raw}._unrestated_loads add column if not exists attempted_by varchar"
    )
    left = [
        name
        for (name,) in con.execute(
            f"select coalesce(attempted_by, run_id) from {raw}._unrestated_loads "
            "group by all order by min(loaded_at)"
        ).fetchall()
    ]
    con.execute(f"delete from {raw}._unrestated_loads")
    return left


def duckdb_previous_extract_date(con, target: Target) -> str | None:
    """The extract date of the build the file holds. None when there is
    none, or when the var extract_date set it: rows of its extract dated
    after it were loaded but never staged as known, and no changed raw row
    will name them, so the next build restates everything."""
    intermediate = target.schema("intermediate")
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = 'util_extract_date'",
        [intermediate],
    ).fetchone()[0]
    if not exists:
        return None
    found = con.execute(
        f"select cast(extract_date as varchar) from {intermediate}.util_extract_date "
        "where extract_date_source <> 'var extract_date'"
    ).fetchall()
    return found[0][0] if found else None


def duckdb_load_changed_rows(con, raw: str, table: ContractTable, rows: str) -> None:
    """Brings <raw>.<table> up to date with the file (a row is the same when
    its position and cells are) and records the rows removed and added with
    their cleaned key, customer, document, source and date."""
    stored = f"{raw}.{table.name}"
    same_row = (
        "stored._raw_row_id = incoming._raw_row_id "
        "and stored._row_fingerprint = incoming._row_fingerprint"
    )
    con.execute(
        "create or replace temp table incoming as "
        f"select _raw_row_id, _row_fingerprint from ({rows})"
    )
    con.execute(
        "create or replace temp table removed as select stored.* "
        f"from {stored} as stored anti join incoming on {same_row}"
    )
    con.execute(
        "create or replace temp table added_ids as select incoming._raw_row_id "
        f"from incoming anti join {stored} as stored on {same_row}"
    )
    con.execute(
        f"delete from {stored} as stored using removed as incoming where {same_row}",
    )
    con.execute(
        f"create or replace temp table added as select * from ({rows}) "
        "where _raw_row_id in (select _raw_row_id from added_ids)"
    )
    con.execute(f"insert into {stored} select * from added")
    columns = {c.name: c for c in table.columns}
    optional = [
        clean_text(columns[name]) if name in columns else "cast(null as varchar)"
        for name in ("customer_id", "document_id", "source_id")
    ]
    row_date = (
        clean_text(columns[table.date_column]) if table.date_column else "cast(null as varchar)"
    )
    for change in ("removed", "added"):
        con.execute(
            f"insert into {raw}._changed_rows select ?, ?, _raw_row_id, {record_key(table)}, "
            f"{', '.join(optional)}, {row_date} from {change}",
            [table.name, change],
        )


# --- Spark: whole loads, through SQL -----------------------------------------


def spark_quoted(path: str, quote: str) -> str:
    """A path in Spark SQL text: a string literal (quote ', backslashes and
    quotes escaped) or a path identifier (quote `, backticks doubled)."""
    if quote == "`":
        return "`" + path.replace("`", "``") + "`"
    return "'" + path.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextmanager
def spark_sql(target: Target) -> Iterator[Callable[[str], list[tuple]]]:
    """A function running one Spark SQL statement (returning its rows) on
    the target, connected as dbt-spark connects: a local session with the
    profile's server_side_parameters and the Hive catalog (method session),
    or the Thrift server with them as session settings (method thrift)."""
    method = target.settings.get("method")
    if method == "session":
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.enableHiveSupport()
        for parameter, value in (target.settings.get("server_side_parameters") or {}).items():
            builder = builder.config(parameter, value)
        spark = builder.getOrCreate()
        try:
            yield lambda statement: [tuple(row) for row in spark.sql(statement).collect()]
        finally:
            spark.stop()
    elif method == "thrift":
        from pyhive import hive

        settings = target.settings
        connection = hive.connect(
            host=settings["host"],
            port=int(settings["port"]),
            username=settings.get("user"),
            auth=settings.get("auth"),
            password=settings.get("password"),
            configuration={
                k: str(v) for k, v in (settings.get("server_side_parameters") or {}).items()
            },
        )
        cursor = connection.cursor()

        def run(statement: str) -> list[tuple]:
            cursor.execute(statement)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []

        try:
            yield run
        finally:
            cursor.close()
            connection.close()
    else:
        raise LoadError(
            f"{PROG}: target {target.name} connects with method {method!r}; "
            "receivables-load knows Spark's session and thrift methods"
        )


def spark_literal(value) -> str:
    """A value in Spark SQL text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return spark_quoted(str(value), "'")


def spark_file_rows(sql, path: Path | None, table: ContractTable) -> str:
    """The file's rows as the raw table holds them (contract columns as
    text, _raw_row_id). The row position is the Parquet row index, or for
    CSV the order Spark reads the file in (one split up to
    spark.sql.files.maxPartitionBytes, 128 MB by default)."""
    if path is None:
        cells = ", ".join(f"cast(null as string) as {c}" for c in table.column_names)
        return f"select {cells}, cast(null as bigint) as _raw_row_id where false"
    location = str(path.resolve())
    if path.suffix == ".csv":
        sql(
            "create or replace temporary view extract_file using csv options (path "
            f"{spark_quoted(location, chr(39))}, header 'true', inferSchema 'false', "
            "quote '\"', escape '\"', multiLine 'true', mode 'PERMISSIVE')"
        )
        source = "extract_file"
        position = "row_number() over (order by monotonically_increasing_id())"
    else:
        # Read by path: a view would hide the _metadata column.
        source = f"parquet.{spark_quoted(location, '`')}"
        position = "_metadata.row_index + 1"
    described = {
        name.lower(): (name, kind)
        for name, kind, *_ in sql(f"describe query select * from {source}")
    }
    cells = []
    for column in table.column_names:
        if column not in described:
            cells.append(f"cast(null as string) as {column}")
            continue
        name, kind = described[column]
        cell = f"`{name}`"
        if kind in ("double", "float"):
            # A typed Parquet number as plain decimal text (Spark would write
            # 2.0448E7), trailing zeros dropped: 20448000.0, as DuckDB writes
            # it (printf would write NULL as 'null').
            cell = (
                f"case when {cell} is not null then regexp_replace(regexp_replace("
                f"printf('%.10f', {cell}), '0+$', ''), '[.]$', '.0') end"
            )
        cells.append(f"cast({cell} as string) as {column}")
    return f"select {', '.join(cells)}, cast({position} as bigint) as _raw_row_id from {source}"


def load_spark(folder: Path, target: Target) -> None:
    """Load the folder into the target's Spark catalog as Parquet tables
    (no Delta needed): a whole load. On a cluster, the driver and the
    executors read the files by the same absolute paths (a shared file
    system)."""
    raw = target.schema("raw")
    contract = load_contract(project_root())
    files = {table.name: extract_file(folder, table) for table in contract.values()}
    bookkeeping = {
        "_extract_files": (
            EXTRACT_FILES,
            [
                (name, str(file), file.stat().st_size, file_md5(file))
                for name, file in files.items()
                if file is not None
            ],
        ),
        "_changed_rows": (CHANGED_ROWS, []),
        "_load_state": (LOAD_STATE, [(False, None, None)]),  # written last
    }
    with spark_sql(target) as sql:
        # A path is an escaped literal: ${...} in it is text, not a variable.
        sql("set spark.sql.variable.substitute=false")
        sql(f"create schema if not exists {raw}")
        # No load state while the tables change: a load that dies midway
        # leaves a raw schema the build refuses (begin_restatement) rather
        # than a mix of two extracts. The state is written last.
        sql(f"drop table if exists {raw}._load_state")
        for table in contract.values():
            file = files[table.name]
            rows = spark_file_rows(sql, file, table)
            sql(f"drop table if exists {raw}.{table.name}")
            sql(f"create table {raw}.{table.name} using parquet as {rows}")
            report(raw, table, file)
        for name, (columns, values) in bookkeeping.items():
            sql(f"drop table if exists {raw}.{name}")
            sql(f"create table {raw}.{name} ({column_list(columns, 'string')}) using parquet")
            if values:
                sql(
                    f"insert into {raw}.{name} values "
                    + ", ".join(
                        "(" + ", ".join(spark_literal(v) for v in row) + ")" for row in values
                    )
                )


# --- The command -------------------------------------------------------------


def load(folder: Path, target: Target, full_refresh: bool = False) -> None:
    if target.type == "duckdb":
        load_duckdb(folder, target, full_refresh)
    elif target.type == "postgres":
        from receivables_rpm.postgres_load import load_postgres

        load_postgres(folder, target)
    elif target.type == "spark":
        load_spark(folder, target)
    else:
        raise LoadError(f"{PROG}: target {target.name} is {target.type}: no loader for it")


def main(argv: list[str] | None = None) -> int:
    command = cli.parser(PROG, __doc__)
    cli.add_extract(command)
    cli.add_database(command, help="the DuckDB database to load into, on a duckdb target")
    cli.add_postgres(command, help="load the Postgres target (the same as --target postgres)")
    command.add_argument(
        "--target",
        help="the profile target to load; without it, the profile's (RPM_TARGET, else duckdb)",
    )
    command.add_argument(
        "--full-refresh",
        action="store_true",
        help="DuckDB: replace every raw table instead of comparing it row by row "
        "(the next build restates everything)",
    )
    args = command.parse_args(argv)
    if args.postgres and args.target not in (None, "postgres"):
        command.error("--postgres and --target name two targets: give one")
    # The profile renders the DuckDB path from AR_DUCKDB_PATH, as dbt does.
    os.environ["AR_DUCKDB_PATH"] = str(args.database)
    try:
        # The user's own inputs first: the folder, and the Postgres port the
        # profile would fail to render as a number.
        cli.extract_folder(args.extract)
        if args.postgres or args.target == "postgres":
            cli.postgres_arguments()
        load(
            args.extract,
            profile_target("postgres" if args.postgres else args.target),
            args.full_refresh,
        )
    except cli.UserError as error:
        return cli.fail(PROG, error)
    except LoadError as error:
        message = str(error).removeprefix(f"{PROG}: ")
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return cli.USAGE_ERROR
    except Exception as error:  # noqa: BLE001 - a user's input: one line, no traceback
        # A file the engine cannot read, a database or cluster that refuses
        # the connection, a profile that does not render: nothing was
        # loaded (DuckDB and Postgres roll back; Spark's load state is
        # written last). The first line of the engine's message says why.
        return cli.fail(PROG, cli.first_line(error))
    return cli.OK


if __name__ == "__main__":
    raise SystemExit(main())
