"""rpm: receivables performance management helpers for the rpm dbt project."""

from pathlib import Path


def project_root() -> Path:
    """The dbt project's root: the nearest folder above the working directory (or
    this package) that holds dbt_project.yml."""
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if (folder / "dbt_project.yml").exists():
                return folder
    raise FileNotFoundError("no dbt_project.yml above the working directory or the rpm package")
