"""rpm-load-postgres: load an extract folder into the raw schema of a Postgres
database, as the DuckDB target's on-run-start hook (macro load_raw_extract)
does on DuckDB: one table per contract table, every contract column as text,
plus _raw_row_id (the row's position in its file); an optional table without a
file is created empty; a required one missing stops the load naming the file
expected. raw._extract_files records each file's path, size and MD5 for the
run evidence (models/audit/audit_run_evidence.sql). Every load is whole
(raw._load_state.is_incremental false), so a later build on the same database
restates everything; row-level incremental loads are DuckDB's.

Connection from the environment: RPM_PG_HOST, RPM_PG_PORT, RPM_PG_DATABASE,
RPM_PG_USER, RPM_PG_PASSWORD (scripts/postgres_cluster.sh env prints them).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import duckdb
import psycopg2

from rpm import project_root, schema_name, schema_prefix_error
from rpm.contract import ContractTable, load_contract


def connect(application_name: str = "rpm-load-postgres"):
    return psycopg2.connect(
        application_name=application_name,
        host=os.environ.get("RPM_PG_HOST", "127.0.0.1"),
        port=int(os.environ.get("RPM_PG_PORT", "55432")),
        dbname=os.environ.get("RPM_PG_DATABASE", "rpm"),
        user=os.environ.get("RPM_PG_USER", "rpm_owner"),
        password=os.environ["RPM_PG_PASSWORD"],
    )


def find_file(folder: Path, table: ContractTable) -> Path | None:
    found = [
        p for p in (folder / f"{table.name}.csv", folder / f"{table.name}.parquet") if p.exists()
    ]
    if len(found) > 1:
        raise SystemExit(
            f"Extract folder {folder} holds both {table.name}.csv and "
            f"{table.name}.parquet: keep one."
        )
    if not found and table.required:
        raise SystemExit(
            f"Required extract table '{table.name}' is missing: expected "
            f"{folder}/{table.name}.csv or .parquet (AR_EXTRACT_DIR)."
        )
    return found[0] if found else None


def file_md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_as_text(path: Path, table: ContractTable, csv_out: Path) -> None:
    """The contract columns of one file as text, in file order, to a CSV:
    the same cells the DuckDB loader stores."""
    con = duckdb.connect()
    # The file's path is a bound value, never SQL text (a folder may be
    # named /home/o'brien/extract).
    con.execute("set variable rpm_extract_file = ?", [str(path)])
    if path.suffix == ".csv":
        reader = (
            "read_csv(getvariable('rpm_extract_file'), header = true, all_varchar = true, "
            "delim = ',', quote = '\"', escape = '\"')"
        )
    else:
        reader = "read_parquet(getvariable('rpm_extract_file'))"
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
        f"copy (select {', '.join(select_list)}, row_number() over () as _raw_row_id "
        f"from {reader}) "
        f"to '{out}' (header true, quote '\"', escape '\"', force_quote *)"
    )
    con.close()


def empty_table(cur, raw: str, name: str, columns: list[str]) -> None:
    """<raw>.<name> with these columns and no rows. An existing table of the
    same shape is truncated rather than dropped: the staging views read it."""
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


class DatabaseInUse(Exception):
    """Another build holds the database: the message is one line."""


def load(folder: Path, schema_prefix: str | None = None) -> None:
    """Load the folder into schema raw, or <schema_prefix>_raw for a dbt
    target that is not a production one (macros/generate_schema_name.sql).

    A load while a build of the same target runs would change its input
    under it: the load refuses when it sees one. A production target's
    connections are named `dbt`, a dev target's `dbt <its schema>` (the
    build checks its profile says so: macros/acquire_build_lock.sql), and
    builds see a load by its connection's name."""
    raw = schema_name("raw", schema_prefix)
    build = f"dbt {schema_prefix}" if schema_prefix else "dbt"
    contract = load_contract(project_root())
    with (
        connect(f"rpm-load-postgres {raw}") as pg,
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
            raise DatabaseInUse(
                f"rpm-load-postgres: the database {pg.info.dbname} is in use by another build "
                "or load; wait for it to end (or stop it), then load again"
            )
        cur.execute(f"create schema if not exists {raw}")
        empty_table(
            cur,
            raw,
            "_extract_files",
            ["table_name text", "file_path text", "file_bytes bigint", "file_md5 text"],
        )
        for table in contract.values():
            path = find_file(folder, table)
            empty_table(
                cur,
                raw,
                table.name,
                [f"{c} text" for c in table.column_names] + ["_raw_row_id bigint"],
            )
            if path is None:
                print(f"{raw}.{table.name} <- (absent, empty)")
                continue
            csv_out = Path(tmp) / f"{table.name}.csv"
            export_as_text(path, table, csv_out)
            # force_quote writes NULL as an empty unquoted field and '' as "":
            # COPY reads the first as NULL and the second as an empty string.
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
            print(f"{raw}.{table.name} <- {path}")
        # Incremental builds diff the raw rows on DuckDB only: here every
        # load is whole, so the next build restates everything.
        empty_table(
            cur,
            raw,
            "_changed_rows",
            ["table_name text", "change text", "_raw_row_id bigint"]
            + [
                f"{c} text"
                for c in (
                    "record_key",
                    "customer_id",
                    "document_id",
                    "source_id",
                    "row_date",
                )
            ],
        )
        empty_table(
            cur,
            raw,
            "_load_state",
            ["is_incremental boolean", "previous_extract_date date", "unfinished_run_ids text"],
        )
        cur.execute(f"insert into {raw}._load_state values (false, null, null)")
        pg.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rpm-load-postgres", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--extract", type=Path, default=Path(os.environ.get("AR_EXTRACT_DIR", "data/demo_extract"))
    )
    parser.add_argument(
        "--schema-prefix",
        help="load into schema PREFIX_raw, for a dbt target that is not a production target "
        "(var rpm_prod_targets) and whose schema is PREFIX, e.g. the profile's postgres_dev "
        "(default: schema raw)",
    )
    args = parser.parse_args(argv)
    error = schema_prefix_error("rpm-load-postgres", args.schema_prefix)
    if error:
        print(error, file=sys.stderr)
        return 2
    if not args.extract.is_dir():
        print(f"rpm-load-postgres: extract folder {args.extract} does not exist", file=sys.stderr)
        return 2
    try:
        load(args.extract, args.schema_prefix)
    except DatabaseInUse as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
