"""Append Arrow tables to one CSV or Parquet file per contract table."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


class ExtractWriter:
    """One file per table; the first write fixes the table's schema, later
    blocks are cast to it."""

    def __init__(self, out: Path, file_format: str):
        if file_format not in ("csv", "parquet"):
            raise ValueError(f"format must be csv or parquet, not {file_format!r}")
        self.out = out
        self.format = file_format
        self._writers: dict[str, object] = {}
        self._schemas: dict[str, pa.Schema] = {}
        self.rows: dict[str, int] = {}
        out.mkdir(parents=True, exist_ok=True)

    def write(self, name: str, table: pa.Table) -> None:
        if name not in self._writers:
            self._schemas[name] = table.schema
            path = self.out / f"{name}.{self.format}"
            if self.format == "csv":
                options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
                self._writers[name] = pacsv.CSVWriter(
                    str(path), table.schema, write_options=options
                )
            else:
                self._writers[name] = pq.ParquetWriter(str(path), table.schema, compression="zstd")
            self.rows[name] = 0
        table = table.cast(self._schemas[name])
        self._writers[name].write_table(table)
        self.rows[name] += table.num_rows

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
