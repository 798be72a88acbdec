"""receivables-check-project: the project checks an auditor relies on, read
from dbt's manifest (run `dbt parse` first) and, with --catalog, its catalog
(`dbt docs generate`).

It checks:

- every model, snapshot, seed, source table and project macro is described;
- every model and snapshot has a primary-key test (unique, or
  unique_combination_of_columns);
- every public mart (models/marts) enforces its contract and describes every
  column; with a catalog, every built column of every model and snapshot is
  described (100 % coverage);
- layer rules: only staging models read sources; base models are read only by
  staging and quarantine models; model names carry their layer's prefix;
- lineage (docs/architecture.md): marts are leaves, no model reads a model in
  models/marts but the audit trail (which records what was published), and no
  int_/core_ model reads a fct_/dim_/rpt_ one;
- every parent of a model is named in the model's own file (macros take
  relations as arguments, or the file declares `-- depends_on:`), unless the
  file itself loops over ref()/source() calls;
- governance: a private model is read only inside its group (dbt rejects it
  at parse time too); base models and domain internals are private, marts
  public; the groups' reads form no loop (domains do not read each other
  both ways).

A core model published by a thin mart (`select * from {{ ref('core_x') }}`)
is documented and key-tested on the mart: its columns and primary key count
as the mart's.

Prints each violation and the column-documentation coverage per layer;
exits 1 on any violation.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from receivables_rpm import cli

PROG = "receivables-check-project"

# Postgres's longest identifier: models and unit tests name relations.
POSTGRES_MAX_NAME = 63
# Folder under models/ -> allowed name prefixes.
LAYER_PREFIXES = {
    "staging": ("base_", "stg_"),
    "validation": ("int_",),
    "core": ("core_", "int_"),
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
MART_PREFIXES = ("fct_", "dim_", "rpt_")
# Layers that may read a public mart: the audit trail records what was published.
MART_READERS = ("audit",)
# Expected access per layer (and per sub-folder where it differs).
LAYER_ACCESS = {
    "models/staging/erp/base/": "private",
    "models/intermediate/restatement/": "protected",
    "models/intermediate/": None,  # private, or protected for a domain's interface
    "models/marts/": "public",
    "models/": "protected",
}
# A ref() or source() whose arguments are not all string literals.
DYNAMIC_REF = re.compile(r"""\b(?:ref|source)\((?!\s*(['"])\w+\1\s*(?:,\s*(['"])\w+\2\s*)?\))""")
THIN_SELECT = re.compile(r"^select \* from \{\{ ref\('(\w+)'\) \}\}$")


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


def published_by(nodes: dict) -> dict[str, dict]:
    """Core or domain models whose rows a public mart publishes as a thin
    select: model id -> the mart."""
    published = {}
    for node in nodes.values():
        if node["resource_type"] != "model" or not is_public_mart(node):
            continue
        body = [
            line.strip()
            for line in node.get("raw_code", "").splitlines()
            if line.strip() and not line.startswith("--") and not line.startswith("{{ config(")
        ]
        parents = node["depends_on"]["nodes"]
        if len(body) == 1 and THIN_SELECT.match(body[0]) and len(parents) == 1:
            published[parents[0]] = node
    return published


def expected_access(node: dict) -> str | None:
    path = node["original_file_path"]
    for prefix, access in LAYER_ACCESS.items():
        if path.startswith(prefix):
            return access
    return None


def hidden_parents(node: dict) -> list[str]:
    """Parents of a model that its own file never names (a macro refs them).
    Jinja comments do not count; SQL comments do (dbt's `-- depends_on:`)."""
    code = re.sub(r"\{#.*?#\}", "", node.get("raw_code", ""), flags=re.S)
    if DYNAMIC_REF.search(code):
        return []
    hidden = []
    for parent in node["depends_on"]["nodes"]:
        parts = parent.split(".")
        if parent.startswith("source."):
            named = rf"""source\(\s*['"]{parts[-2]}['"]\s*,\s*['"]{parts[-1]}['"]"""
        else:
            named = rf"""ref\(\s*(['"]\w+['"]\s*,\s*)?['"]{parts[-1]}['"]"""
        if not re.search(named, code):
            hidden.append(parts[-1])
    return hidden


def group_loops(group_reads: dict[str, set[str]]) -> list[list[str]]:
    """Cycles among groups (each once, from its alphabetically first group)."""
    loops = []

    def walk(path: list[str]) -> None:
        for other in sorted(group_reads.get(path[-1], ())):
            if other == path[0]:
                loops.append(path)
            elif other > path[0] and other not in path:
                walk([*path, other])

    for group in sorted(group_reads):
        walk([group])
    return loops


def lineage_violations(own: dict, nodes: dict) -> list[str]:
    """Marts are leaves, private models stay in their group, groups do not loop."""
    violations = []
    group_reads: dict[str, set[str]] = defaultdict(set)
    for uid, node in sorted(own.items()):
        if node["resource_type"] != "model":
            continue
        group = node["config"].get("group")
        access = node["config"].get("access")
        hidden = hidden_parents(node)
        if hidden:
            violations.append(
                f"{uid}: parents only a macro names: {', '.join(hidden)} "
                "(pass them to the macro, or declare -- depends_on:)"
            )
        expected = expected_access(node)
        if expected and access != expected:
            violations.append(f"{uid}: access {access}, its layer's is {expected}")
        for parent_id in node["depends_on"]["nodes"]:
            parent = nodes.get(parent_id)
            if not parent or parent["resource_type"] != "model":
                continue
            if is_public_mart(parent) and layer_of(node) not in MART_READERS:
                violations.append(
                    f"{uid}: reads the public mart {parent['name']} (marts are leaves: "
                    "read the core model it selects)"
                )
            elif node["name"].startswith(("int_", "core_")) and parent["name"].startswith(
                MART_PREFIXES
            ):
                violations.append(f"{uid}: an intermediate model reads {parent['name']}")
            parent_group = parent["config"].get("group")
            if parent["config"].get("access") == "private" and parent_group != group:
                violations.append(
                    f"{uid}: reads {parent['name']}, private to group {parent_group} "
                    f"(this model's group: {group})"
                )
            if parent_group and group and parent_group != group:
                group_reads[group].add(parent_group)
    for loop in group_loops(group_reads):
        violations.append(f"groups read each other in a loop: {' -> '.join([*loop, loop[0]])}")
    return violations


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

    published = published_by(nodes)
    keyed = set()
    for node in nodes.values():
        if node["resource_type"] == "test":
            name = (node.get("test_metadata") or {}).get("name")
            if name in PRIMARY_KEY_TESTS:
                keyed.update(node["depends_on"]["nodes"])
    keyed.update(uid for uid, mart in published.items() if mart["unique_id"] in keyed)
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

    # Postgres cuts identifiers at 63 characters and refuses a unit test whose
    # relation (named after it) is longer: name them within the limit.
    named = [*own.items(), *manifest.get("unit_tests", {}).items()]
    for uid, node in sorted(named):
        if node.get("package_name") == project and len(node["name"]) > POSTGRES_MAX_NAME:
            violations.append(
                f"{uid}: name longer than {POSTGRES_MAX_NAME} characters (Postgres identifiers)"
            )

    violations += lineage_violations(own, nodes)
    if catalog:
        violations += undocumented_columns(own, catalog, published)
        violations += contract_order_violations(own, catalog)
    report = coverage(own, catalog, published) if catalog else []
    return violations, report


def documented_columns(uid: str, node: dict, published: dict) -> set[str]:
    """Described columns of a node (of its publishing mart for a core model
    published as a thin select)."""
    columns = (
        {**published[uid]["columns"], **node["columns"]} if uid in published else node["columns"]
    )
    return {name.lower() for name, spec in columns.items() if spec.get("description")}


def undocumented_columns(own: dict, catalog: dict, published: dict | None = None) -> list[str]:
    """Every built column (catalog) of every model and snapshot must be
    described."""
    published = published or {}
    missing = []
    for uid, node in sorted(own.items()):
        built = catalog.get("nodes", {}).get(uid)
        if not built or node["resource_type"] == "seed":
            continue
        documented = documented_columns(uid, node, published)
        missing += [
            f"{uid}: column {column} has no description"
            for column in built["columns"]
            if column.lower() not in documented
        ]
    return missing


def contract_order_violations(own: dict, catalog: dict) -> list[str]:
    """A public mart's built columns come in its contract's order (a view
    over a core model keeps the core model's order, which dbt does not check)."""
    violations = []
    for uid, node in sorted(own.items()):
        built = catalog.get("nodes", {}).get(uid, {}).get("columns", {})
        if not is_public_mart(node) or not all("index" in c for c in built.values()):
            continue
        order = [name.lower() for name, _ in sorted(built.items(), key=lambda c: c[1]["index"])]
        declared = [name.lower() for name in node["columns"]]
        if built and order != declared:
            pairs = enumerate(zip(order, declared, strict=False))
            first = next(
                (i for i, (built_name, name) in pairs if built_name != name),
                min(len(order), len(declared)),
            )
            if first >= min(len(order), len(declared)):
                violations.append(
                    f"{uid}: built with {len(order)} columns, the contract has {len(declared)}"
                )
                continue
            violations.append(
                f"{uid}: column {first + 1} is {order[first]}, the contract's is {declared[first]}"
            )
    return violations


def coverage(own: dict, catalog: dict, published: dict | None = None) -> list[str]:
    """Share of the built columns (catalog) that are described, per layer."""
    published = published or {}
    described: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for uid, node in own.items():
        built = catalog.get("nodes", {}).get(uid)
        if not built or node["resource_type"] == "seed":
            continue
        documented = documented_columns(uid, node, published)
        for column in built["columns"]:
            described[layer_of(node)][1] += 1
            described[layer_of(node)][0] += column.lower() in documented
    return [
        f"  {layer:<13}{done:>6} of {total:>5} columns described ({done / total:.0%})"
        for layer, (done, total) in sorted(described.items())
    ]


def main(argv=None) -> int:
    command = cli.parser(PROG, __doc__)
    command.add_argument(
        "--target-path",
        default=Path("target"),
        type=Path,
        metavar="DIR",
        help="dbt's target folder holding manifest.json (run `dbt parse` first)",
    )
    command.add_argument(
        "--catalog",
        action="store_true",
        help="also check every built column (reads catalog.json: run `dbt docs generate` first)",
    )
    args = command.parse_args(argv)
    needed = ["manifest.json"] + (["catalog.json"] if args.catalog else [])
    for name in needed:
        if not (args.target_path / name).is_file():
            step = "dbt docs generate" if name == "catalog.json" else "dbt parse"
            return cli.fail(
                PROG, f"no {args.target_path / name}: run `{step}` first (--target-path)"
            )
    artefacts = {}
    for name in needed:
        path = args.target_path / name
        try:
            artefacts[name] = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            return cli.fail(PROG, f"{path} is not dbt's {name}: {cli.first_line(error)}")
    try:
        violations, report = check(artefacts["manifest.json"], artefacts.get("catalog.json"))
    except (KeyError, TypeError, AttributeError) as error:  # not the artefacts dbt writes
        return cli.fail(
            PROG, f"{args.target_path} does not hold dbt's artefacts: {cli.first_line(error)}"
        )
    for violation in violations:
        print(f"VIOLATION {violation}")
    if report:
        print("column documentation (from the catalog of the last `dbt docs generate`):")
        print("\n".join(report))
    print(f"project check: {len(violations)} violations")
    return cli.CHECKS_FAILED if violations else cli.OK


if __name__ == "__main__":
    sys.exit(main())
