"""The extract contract as the dbt project declares it.

models/staging/erp/_erp__sources.yml is the single source of truth for tables,
columns, types, required cells, code sets and keys; the raw loader, the staging
macros and this package all read it. Code sets come from the project's seeds.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SOURCES_FILE = Path("models/staging/erp/_erp__sources.yml")


@dataclass(frozen=True)
class ContractColumn:
    name: str
    type: str = "text"
    required: bool = False
    code_set: str | None = None
    case: str | None = None
    positive: bool = False
    pii: bool = False


@dataclass(frozen=True)
class ContractTable:
    name: str
    required: bool
    primary_key: list[str]
    columns: list[ContractColumn] = field(default_factory=list)
    date_column: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _meta(node: dict) -> dict:
    meta = dict(node.get("meta") or {})
    meta.update((node.get("config") or {}).get("meta") or {})
    return meta


def load_contract(project_dir: Path) -> dict[str, ContractTable]:
    sources = yaml.safe_load((project_dir / SOURCES_FILE).read_text())["sources"]
    erp = next(s for s in sources if s["name"] == "erp")
    tables = {}
    for table in erp["tables"]:
        meta = _meta(table)
        columns = []
        for column in table["columns"]:
            cmeta = _meta(column)
            columns.append(
                ContractColumn(
                    name=column["name"],
                    type=cmeta.get("type", "text"),
                    required=bool(cmeta.get("required", False)),
                    code_set=cmeta.get("code_set"),
                    case=cmeta.get("case"),
                    positive=bool(cmeta.get("positive", False)),
                    pii=bool(cmeta.get("pii", False)),
                )
            )
        tables[table["name"]] = ContractTable(
            name=table["name"],
            required=bool(meta.get("required_table", False)),
            primary_key=list(meta.get("primary_key", [])),
            columns=columns,
            date_column=meta.get("date_column"),
        )
    return tables


def load_code_sets(project_dir: Path) -> dict[str, set[str]]:
    """code_set -> accepted codes in canonical case (seeds/)."""
    seeds = project_dir / "seeds"
    sets: dict[str, set[str]] = {}
    with open(seeds / "code_sets.csv", newline="") as f:
        for row in csv.DictReader(f):
            sets.setdefault(row["code_set"], set()).add(row["code"])
    for code_set, file_name, column in (
        ("iso_currency", "iso_currencies.csv", "currency_code"),
        ("iso_country", "iso_countries.csv", "country_code"),
    ):
        with open(seeds / file_name, newline="") as f:
            sets[code_set] = {row[column] for row in csv.DictReader(f)}
    return sets


def find_table_file(extract_dir: Path, table: str) -> Path | None:
    for suffix in (".csv", ".parquet"):
        path = extract_dir / f"{table}{suffix}"
        if path.exists():
            return path
    return None
