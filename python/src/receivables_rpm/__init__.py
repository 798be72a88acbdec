"""receivables_rpm: the commands and helpers of the rpm dbt project (receivables
performance management): receivables-generate, -validate, -load, -summary,
-dashboard, -next-day, -compare-builds and -check-project."""

import re
from pathlib import Path


def project_root() -> Path:
    """The dbt project's root: the nearest folder above the working directory (or
    this package) that holds dbt_project.yml."""
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if (folder / "dbt_project.yml").exists():
                return folder
    raise FileNotFoundError(
        "no dbt_project.yml above the working directory or the receivables_rpm package"
    )


def schema_name(name: str, prefix: str | None = None) -> str:
    """A layer's schema (raw, ..., marts) as a dbt target writes it: as named
    on a production target, <prefix>_<name> on a target whose schema is
    prefix (macro schema_name, macros/generate_schema_name.sql)."""
    return f"{prefix}_{name}" if prefix else name


def schema_prefix_error(prog: str, prefix: str | None) -> str | None:
    """The one-line message for a --schema-prefix that is no plain schema
    name (it goes into SQL text), or None."""
    if not prefix or re.fullmatch(r"[a-z_][a-z0-9_]*", prefix):
        return None
    return (
        f"{prog}: --schema-prefix {prefix!r} is not a schema name "
        "(lower-case letters, digits and _)"
    )
