"""Project checks an auditor relies on, read from dbt's manifest (run
`dbt parse` first) and, when present, its catalog (`dbt docs generate`):

- every model, snapshot, seed, source table and project macro is described;
- every model and snapshot has a primary-key test (unique, or
  unique_combination_of_columns);
- every public mart (models/marts) enforces its contract and describes every
  column; with a catalog, every built column of every model and snapshot is
  described (100 % coverage);
- layer rules: only staging models read sources; base models are read only by
  staging and quarantine models; model names carry their layer's prefix.

Prints each violation and the column-documentation coverage per layer;
exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

# Folder under models/ -> allowed name prefixes.
LAYER_PREFIXES = {
    "staging": ("base_", "stg_"),
    "intermediate": ("int_",),
    "marts": ("fct_", "dim_", "rpt_"),
    "audit": ("audit_",),
    "utilities": ("util_",),
    "quarantine": ("quarantine", "quarantined_", "extract_row_"),
}
PRIMARY_KEY_TESTS = {"unique", "unique_combination_of_columns"}
# Models outside staging allowed to read a source, and why.
SOURCE_READERS = {
    "extract_row_accounting": "counts raw rows apart from staging, so the row identity can fail",
}
DISPATCH_PREFIXES = ("default__", "duckdb__", "postgres__", "spark__")


def layer_of(node: dict) -> str:
    """The folder under models/ (or 'snapshots', 'seeds')."""
    parts = Path(node["original_file_path"]).parts
    return parts[1] if parts[0] == "models" else parts[0]


def is_public_mart(node: dict) -> bool:
    """A model under models/marts: built in schema marts_build, published to
    schema marts (macros/publish_marts.sql)."""
    return node["resource_type"] == "model" and node["original_file_path"].startswith(
        "models/marts/"
    )


def check(manifest: dict, catalog: dict | None = None) -> tuple[list[str], list[str]]:
    """(violations, report lines)."""
    nodes = manifest["nodes"]
    project = manifest["metadata"].get("project_name", "rpm")
    own = {
        uid: n
        for uid, n in nodes.items()
        if n.get("package_name") == project and n["resource_type"] in ("model", "snapshot", "seed")
    }
    violations: list[str] = []

    for uid, node in sorted(own.items()):
        if not node.get("description", "").strip():
            violations.append(f"{uid}: no description")
    for uid, source in sorted(manifest["sources"].items()):
        if source.get("package_name") == project and not source.get("description", "").strip():
            violations.append(f"{uid}: no description")
    for uid, macro in sorted(manifest["macros"].items()):
        if (
            macro.get("package_name") == project
            and not macro.get("description", "").strip()
            and not macro["name"].startswith(DISPATCH_PREFIXES)
        ):
            violations.append(f"{uid}: macro without description in macros/_macros.yml")

    keyed = set()
    for node in nodes.values():
        if node["resource_type"] == "test":
            name = (node.get("test_metadata") or {}).get("name")
            if name in PRIMARY_KEY_TESTS:
                keyed.update(node["depends_on"]["nodes"])
    for uid, node in sorted(own.items()):
        if node["resource_type"] != "seed" and uid not in keyed:
            violations.append(
                f"{uid}: no primary-key test (unique or unique_combination_of_columns)"
            )

    for uid, node in sorted(own.items()):
        if node["resource_type"] != "model" or not is_public_mart(node):
            continue
        if not node["config"].get("contract", {}).get("enforced"):
            violations.append(f"{uid}: public mart without an enforced contract")
        for column, spec in node["columns"].items():
            if not spec.get("description", "").strip():
                violations.append(f"{uid}: column {column} has no description")

    for uid, node in sorted(own.items()):
        if node["resource_type"] != "model":
            continue
        layer = layer_of(node)
        parents = node["depends_on"]["nodes"]
        reads_source = any(p.startswith("source.") for p in parents)
        if layer != "staging" and reads_source and node["name"] not in SOURCE_READERS:
            violations.append(f"{uid}: reads a source outside the staging layer")
        if layer not in ("staging", "quarantine") and any(
            p.split(".")[-1].startswith("base_") for p in parents
        ):
            violations.append(f"{uid}: reads a base model outside staging and quarantine")
        prefixes = LAYER_PREFIXES.get(layer)
        if prefixes and not node["name"].startswith(prefixes):
            violations.append(f"{uid}: name should start with one of {', '.join(prefixes)}")

    if catalog:
        violations += undocumented_columns(own, catalog)
    report = coverage(own, catalog) if catalog else []
    return violations, report


def undocumented_columns(own: dict, catalog: dict) -> list[str]:
    """Every built column (catalog) of every model and snapshot must be
    described."""
    missing = []
    for uid, node in sorted(own.items()):
        built = catalog.get("nodes", {}).get(uid)
        if not built or node["resource_type"] == "seed":
            continue
        documented = {
            name.lower() for name, spec in node["columns"].items() if spec.get("description")
        }
        missing += [
            f"{uid}: column {column} has no description"
            for column in built["columns"]
            if column.lower() not in documented
        ]
    return missing


def coverage(own: dict, catalog: dict) -> list[str]:
    """Share of the built columns (catalog) that are described, per layer."""
    described: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for uid, node in own.items():
        built = catalog.get("nodes", {}).get(uid)
        if not built or node["resource_type"] == "seed":
            continue
        documented = {
            name.lower() for name, spec in node["columns"].items() if spec.get("description")
        }
        for column in built["columns"]:
            described[layer_of(node)][1] += 1
            described[layer_of(node)][0] += column.lower() in documented
    return [
        f"  {layer:<13}{done:>6} of {total:>5} columns described ({done / total:.0%})"
        for layer, (done, total) in sorted(described.items())
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="target", type=Path)
    parser.add_argument(
        "--catalog",
        action="store_true",
        help="also check every built column (reads catalog.json: run `dbt docs generate` first)",
    )
    args = parser.parse_args(argv)
    manifest = json.loads((args.target / "manifest.json").read_text())
    catalog = None
    if args.catalog:
        catalog = json.loads((args.target / "catalog.json").read_text())
    violations, report = check(manifest, catalog)
    for violation in violations:
        print(f"VIOLATION {violation}")
    if report:
        print("column documentation (from the catalog of the last `dbt docs generate`):")
        print("\n".join(report))
    print(f"project check: {len(violations)} violations")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
