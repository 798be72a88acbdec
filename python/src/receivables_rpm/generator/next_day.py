"""receivables-next-day: the next day's full export of an extract folder.

Copies the extract and adds what one more business day brings, the way an
ERP's full export does (rows in place, new rows at the end of each file):
new invoices for about 1 customer in 14 and full payments (receipt and
application) of about 1 in 60 open invoices (an average day of the generated
ledger: 10 M invoices over 36 months is about 9,200 a day), an FX rate per
currency pair for the new day, and two changes that reach back in time: a
receipt from the last ten days that bounced (status reversed, reversal dated
the new day: a row changed in place) and a credit memo dated 40 days back,
applied to an invoice open since then. Used to test and benchmark
incremental builds (docs/incremental.md). CSV stays text, Parquet keeps its
column types.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb

from receivables_rpm import cli

PROG = "receivables-next-day"

CHANGED_TABLES = ("ar_documents", "cash_receipts", "cash_applications", "fx_rates")


def _literal(path: Path) -> str:
    """A path as an SQL string literal (a folder may be called it's)."""
    return "'" + str(path).replace("'", "''") + "'"


def _reader(path: Path) -> str:
    if path.suffix == ".csv":
        return f"read_csv({_literal(path)}, header = true, all_varchar = true)"
    return f"read_parquet({_literal(path)})"


def _file(folder: Path, table: str) -> Path:
    for suffix in (".parquet", ".csv"):
        if (folder / f"{table}{suffix}").exists():
            return folder / f"{table}{suffix}"
    raise cli.UserError(f"extract folder {folder} has no {table}.csv or .parquet (--extract)")


def next_day(source: Path, out: Path) -> str:
    """Writes the next day's extract of `source` into `out`; returns the new
    day (ISO)."""
    # Dates that do not parse (a --messy extract) are nobody's latest date and
    # fall in no window (try_cast); their rows are copied as they are.
    files = {table: _file(source, table) for table in CHANGED_TABLES}
    if out.exists():
        # Never delete a folder that holds no extract (a run cut short has
        # copied some of its tables already).
        entries = list(out.iterdir()) if out.is_dir() else None
        extract = entries is not None and any(
            e.suffix in (".csv", ".parquet") or e.name == "_manifest" for e in entries
        )
        if entries is None or (entries and not extract):
            raise cli.UserError(
                f"--out {out} is a file or a folder that holds no extract: "
                "choose an empty or new folder"
            )
        shutil.rmtree(out)
    shutil.copytree(source, out, ignore=shutil.ignore_patterns(*[f"{t}.*" for t in CHANGED_TABLES]))
    try:
        with duckdb.connect() as con:
            return _add_the_day(con, files, out)
    except duckdb.Error as error:
        raise cli.UserError(f"cannot read the extract {source}: {cli.first_line(error)}") from None


def _add_the_day(con: duckdb.DuckDBPyConnection, files: dict[str, Path], out: Path) -> str:
    """Writes the changed tables, each its file plus the new day's rows, into
    `out`; returns the new day (ISO)."""
    types = {}
    for table, path in files.items():
        con.execute(f"create view {table} as select * from {_reader(path)}")
        types[table] = dict(
            con.execute(f"select column_name, column_type from (describe {table})").fetchall()
        )
    new_day = con.execute(
        "select max(d) + 1 from "
        "(select max(try_cast(document_date as date)) as d from ar_documents "
        "union all select max(try_cast(receipt_date as date)) from cash_receipts "
        "union all select max(try_cast(application_date as date)) from cash_applications)"
    ).fetchone()[0]
    day = f"date '{new_day}'"

    def typed(table: str, values: dict[str, str]) -> str:
        """A select list in the file's column order and types."""
        return ", ".join(
            f"cast({values.get(c, 'null')} as {t}) as {c}" for c, t in types[table].items()
        )

    # Invoices open in full: no application, adjustment or credit against them.
    con.execute(
        "create temp table open_invoices as select * from ar_documents where document_type = 'INV' "
        "and document_id not in "
        "(select document_id from cash_applications where document_id is not null)"
    )
    new_invoices = typed(
        "ar_documents",
        {
            "document_id": f"'ND-' || customer_id || '-' || {day}",
            "document_number": f"'ND-' || customer_id || '-' || {day}",
            "document_type": "'INV'",
            "customer_id": "customer_id",
            "company_code": "company_code",
            "document_date": day,
            "posting_date": day,
            "due_date": f"{day} + 30",
            "currency_code": "currency_code",
            "amount": "1000 + hash(customer_id) % 9000",
            "tax_amount": "0",
            "source_updated_at": f"strftime({day}, '%Y-%m-%dT00:00:00')",
        },
    )
    paid = (
        f"select * from open_invoices where try_cast(document_date as date) <= {day} - 5 "
        "and hash(document_id) % 60 = 0"
    )
    credited = (
        f"select * from open_invoices where try_cast(document_date as date) <= {day} - 45 "
        f"and document_id not in (select document_id from ({paid})) order by document_id limit 1"
    )
    credit_memo = typed(
        "ar_documents",
        {
            "document_id": "'NCM-' || document_id",
            "document_number": "'NCM-' || document_id",
            "document_type": "'CM'",
            "customer_id": "customer_id",
            "company_code": "company_code",
            "document_date": f"{day} - 40",
            "posting_date": f"{day} - 40",
            "due_date": f"{day} - 40",
            "currency_code": "currency_code",
            "amount": "-10",
            "tax_amount": "0",
            "reference_document_id": "document_id",
            "source_updated_at": f"strftime({day}, '%Y-%m-%dT00:00:00')",
        },
    )
    bounced = con.execute(
        f"select min(receipt_id) from cash_receipts where status = 'cleared' "
        f"and try_cast(receipt_date as date) >= {day} - 10"
    ).fetchone()[0]
    receipts_in_place = typed(
        "cash_receipts",
        {
            **{c: c for c in types["cash_receipts"]},
            "status": f"case when receipt_id = '{bounced}' then 'reversed' else status end",
            "reversal_date": (
                f"case when receipt_id = '{bounced}' then "
                f"cast({day} as {types['cash_receipts'].get('reversal_date', 'date')}) "
                "else reversal_date end"
            ),
        },
    )
    new_receipts = typed(
        "cash_receipts",
        {
            "receipt_id": "'NR-' || document_id",
            "customer_id": "customer_id",
            "company_code": "company_code",
            "receipt_date": day,
            "currency_code": "currency_code",
            "amount": "amount",
            "payment_method": "'wire'",
            "status": "'cleared'",
        },
    )
    new_payments = typed(
        "cash_applications",
        {
            "application_id": "'NA-' || document_id",
            "document_id": "document_id",
            "source_type": "'receipt'",
            "source_id": "'NR-' || document_id",
            "application_date": day,
            "applied_amount": "amount",
            "discount_amount": "0",
        },
    )
    new_credit = typed(
        "cash_applications",
        {
            "application_id": "'NCA-' || document_id",
            "document_id": "document_id",
            "source_type": "'credit_memo'",
            "source_id": "'NCM-' || document_id",
            "application_date": f"{day} - 40",
            "applied_amount": "10",
            "discount_amount": "0",
        },
    )
    new_rates = typed(
        "fx_rates",
        {
            "rate_date": day,
            "from_currency": "from_currency",
            "to_currency": "to_currency",
            "rate": "rate",
        },
    )
    queries = {
        "ar_documents": (
            f"select * from ar_documents "
            f"union all (select {new_invoices} from (select * from ar_documents "
            "where document_type = 'INV' qualify row_number() over "
            "(partition by customer_id order by document_date desc, document_id) = 1) "
            f"where hash(customer_id) % 14 = 0 order by customer_id) "
            f"union all (select {credit_memo} from ({credited}))"
        ),
        "cash_receipts": (
            f"select {receipts_in_place} from cash_receipts "
            f"union all (select {new_receipts} from ({paid}) order by document_id)"
        ),
        "cash_applications": (
            f"select * from cash_applications "
            f"union all (select {new_payments} from ({paid}) order by document_id) "
            f"union all (select {new_credit} from ({credited}))"
        ),
        "fx_rates": (
            f"select * from fx_rates union all (select {new_rates} from fx_rates "
            f"qualify row_number() over (partition by from_currency, to_currency "
            f"order by try_cast(rate_date as date) desc) = 1 order by from_currency, to_currency)"
        ),
    }
    for table, query in queries.items():
        target = out / files[table].name
        options = "format csv, header true" if files[table].suffix == ".csv" else "format parquet"
        con.execute(f"copy ({query}) to {_literal(target)} ({options})")
        cli.progress(PROG, f"wrote {target.name}")
    return str(new_day)


def main(argv: list[str] | None = None) -> int:
    command = cli.parser(PROG, __doc__)
    cli.add_extract(command, help="the extract folder to start from")
    cli.add_out(command, None, help="the folder to write the next day's extract into")
    args = command.parse_args(argv)

    def write() -> int:
        cli.extract_folder(args.extract)
        if args.out.resolve() == args.extract.resolve():
            raise cli.UserError("--out must differ from --extract")
        print(f"next day {next_day(args.extract, args.out)} -> {args.out}")
        return cli.OK

    return cli.run(PROG, write)


if __name__ == "__main__":
    sys.exit(main())
