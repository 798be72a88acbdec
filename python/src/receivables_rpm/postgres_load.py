"""The Postgres backend of receivables-load (receivables_rpm.loader): a whole load of the extract
folder into the target's raw schema, every contract column as text plus
_raw_row_id, the rows sent by COPY from this process. Every load is whole
(_load_state.is_incremental false), so the next build restates everything;
row-by-row loads are DuckDB's.
"""

from __future__ import annotations

import tempfile
from contextlib import closing
from pathlib import Path

import duckdb
import psycopg2

from receivables_rpm import project_root
from receivables_rpm.contract import ContractTable, load_contract
from receivables_rpm.loader import (
    CHANGED_ROWS,
    EXTRACT_FILES,
    LOAD_STATE,
    LoadError,
    Target,
    duckdb_reader,
    extract_file,
    file_md5,
    report,
)


def connect(target: Target, application_name: str):
    settings = target.settings
    return psycopg2.connect(
        application_name=application_name,
        host=settings["host"],
        port=int(settings["port"]),
        dbname=settings["dbname"],
        user=settings["user"],
        password=settings.get("password", ""),
    )


def export_as_text(path: Path, table: ContractTable, csv_out: Path) -> None:
    """The contract columns of one file as text, in file order, to a CSV:
    the same cells the DuckDB loader stores."""
    con = duckdb.connect()
    # The file's path is a bound value, never SQL text (a folder may be
    # named /home/o'brien/extract).
    con.execute("set variable rpm_extract_file = ?", [str(path)])
    reader, position = duckdb_reader(path)
    present = {
        row[0].lower(): row[0] for row in con.execute(f"describe select * from {reader}").fetchall()
    }
    select_list = [
        f'cast("{present[c]}" as varchar) as {c}'
        if c in present
        else f"cast(null as varchar) as {c}"
        for c in table.column_names
    ]
    # COPY takes its target as a literal only: a temporary file the loader
    # names itself, quoted.
    out = str(csv_out).replace("'", "''")
    con.execute(
        f"copy (select {', '.join(select_list)}, {position} as _raw_row_id "
        f"from {reader}) "
        f"to '{out}' (header true, quote '\"', escape '\"', force_quote *)"
    )
    con.close()


def empty_table(cur, raw: str, name: str, columns: list[tuple[str, str]]) -> None:
    """<raw>.<name> with these columns (name, type) and no rows. An existing
    table of the same shape is truncated rather than dropped: the staging
    views read it."""
    columns = [f"{column} {kind}" for column, kind in columns]
    cur.execute(
        "select column_name || ' ' || data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (raw, name),
    )
    existing = [row[0] for row in cur.fetchall()]
    if existing == columns:
        cur.execute(f"truncate {raw}.{name}")
    else:
        cur.execute(f"drop table if exists {raw}.{name} cascade")
        cur.execute(f"create table {raw}.{name} ({', '.join(columns)})")


# One load of a raw schema at a time (an advisory lock per schema).
LOAD_LOCK = 7301


def load_postgres(folder: Path, target: Target) -> None:
    """Load the folder into the target's raw schema.

    A load while a build of the same target runs would change its input
    under it: the load refuses when it sees one. A build's connections carry
    the profile's application_name (`dbt` on a production target, `dbt <its
    schema>` on another: macros/acquire_build_lock.sql checks the profile
    says so), and builds see a load by its connection's name, `receivables-load
    <raw schema>`."""
    raw = target.schema("raw")
    build = target.settings.get("application_name", "dbt")
    contract = load_contract(project_root())
    files = {table.name: extract_file(folder, table) for table in contract.values()}
    with (
        closing(connect(target, f"receivables-load {raw}")) as pg,
        pg.cursor() as cur,
        tempfile.TemporaryDirectory() as tmp,
    ):
        cur.execute("select pg_try_advisory_lock(%s, hashtext(%s))", (LOAD_LOCK, raw))
        busy = not cur.fetchone()[0]
        for _ in range(3):  # a build between two models may hold no connection
            cur.execute(
                "select count(*) from pg_stat_activity where datname = current_database() "
                "and application_name = %s",
                (build,),
            )
            busy = busy or cur.fetchone()[0] > 0
            cur.execute("select pg_sleep(0.2)")
        if busy:
            raise LoadError(
                f"receivables-load: the database {pg.info.dbname} is in use by another build "
                "or load "
                f"of {raw}; wait for it to end (or stop it), then load again"
            )
        cur.execute(f"create schema if not exists {raw}")
        empty_table(cur, raw, "_extract_files", EXTRACT_FILES)
        for table in contract.values():
            path = files[table.name]
            empty_table(
                cur,
                raw,
                table.name,
                [(c, "text") for c in table.column_names] + [("_raw_row_id", "bigint")],
            )
            if path is not None:
                csv_out = Path(tmp) / f"{table.name}.csv"
                export_as_text(path, table, csv_out)
                # force_quote writes NULL as an empty unquoted field and '' as
                # "": COPY reads the first as NULL and the second as ''.
                with csv_out.open() as handle:
                    cur.copy_expert(
                        f"copy {raw}.{table.name} ({', '.join(table.column_names)}, _raw_row_id) "
                        "from stdin with (format csv, header true)",
                        handle,
                    )
                cur.execute(
                    f"insert into {raw}._extract_files values (%s, %s, %s, %s)",
                    (table.name, str(path), path.stat().st_size, file_md5(path)),
                )
            report(raw, table, path)
        empty_table(cur, raw, "_changed_rows", CHANGED_ROWS)
        empty_table(cur, raw, "_load_state", LOAD_STATE)
        cur.execute(f"insert into {raw}._load_state values (false, null, null)")
        pg.commit()
