"""The project check on a hand-made manifest: each rule catches its case,
and the real project passes it (make test runs it on the parsed project)."""

from __future__ import annotations

from receivables_rpm.project_check import check, expected_access


def named(parent: str) -> str:
    """How a model file names a parent: ref('x') or source('src', 'x')."""
    parts = parent.split(".")
    if parts[0] == "source":
        return f"{{{{ source('{parts[-2]}', '{parts[-1]}') }}}}"
    return f"{{{{ ref('{parts[-1]}') }}}}"


def node(name, path, description="d", schema="intermediate", parents=(), contract=True, **kw):
    node = {
        "resource_type": kw.get("resource_type", "model"),
        "package_name": "rpm",
        "unique_id": f"model.rpm.{name}",
        "name": name,
        "original_file_path": path,
        "description": description,
        "schema": schema,
        "depends_on": {"nodes": list(parents)},
        "config": {"contract": {"enforced": contract}, "group": kw.get("group")},
        "columns": kw.get("columns", {}),
        "raw_code": kw.get("raw_code", " ".join(named(p) for p in parents)),
    }
    node["config"]["access"] = kw.get("access", expected_access(node) or "private")
    return node


def unique_test(model_id):
    return {
        "resource_type": "test",
        "package_name": "rpm",
        "test_metadata": {"name": "unique"},
        "depends_on": {"nodes": [model_id]},
    }


def test_each_rule_catches_its_case():
    nodes = {
        "model.rpm.stg_erp__a": node(
            "stg_erp__a", "models/staging/erp/stg_erp__a.sql", parents=["source.rpm.erp.a"]
        ),
        "model.rpm.int_b": node(
            "int_b", "models/intermediate/int_b.sql", description="", parents=["source.rpm.erp.a"]
        ),
        "model.rpm.rpt_c": node(
            "rpt_c",
            "models/marts/rpt_c.sql",
            schema="marts",
            contract=False,
            parents=["model.rpm.base_erp__a"],
            columns={"x": {"description": ""}, "y": {"description": "why"}},
        ),
        "model.rpm.summary_d": node("summary_d", "models/marts/summary_d.sql", schema="marts"),
    }
    for model_id in ["model.rpm.stg_erp__a", "model.rpm.int_b", "model.rpm.rpt_c"]:
        nodes[f"test.rpm.unique_{model_id}"] = unique_test(model_id)
    manifest = {
        "metadata": {"project_name": "rpm"},
        "nodes": nodes,
        "sources": {"source.rpm.erp.a": {"package_name": "rpm", "description": "raw a"}},
        "macros": {"macro.rpm.m": {"package_name": "rpm", "name": "m", "description": ""}},
        "unit_tests": {
            "unit_test.rpm.int_b.t": {"package_name": "rpm", "name": "t" * 63},
            "unit_test.rpm.int_b.u": {"package_name": "rpm", "name": "u" * 64},
        },
    }
    violations, _ = check(manifest)
    assert sorted(violations) == sorted(
        [
            "unit_test.rpm.int_b.u: name longer than 63 characters (Postgres identifiers)",
            "model.rpm.int_b: no description",
            "macro.rpm.m: macro without description in macros/_macros.yml",
            "model.rpm.summary_d: no primary-key test (unique or unique_combination_of_columns)",
            "model.rpm.rpt_c: public mart without an enforced contract",
            "model.rpm.rpt_c: column x has no description",
            "model.rpm.int_b: reads a source outside the staging layer",
            "model.rpm.rpt_c: reads a base model outside staging and quarantine",
            "model.rpm.summary_d: name should start with one of fct_, dim_, rpt_",
        ]
    )


def test_with_a_catalog_every_built_column_must_be_described():
    nodes = {
        "model.rpm.int_a": node(
            "int_a", "models/intermediate/int_a.sql", columns={"x": {"description": "the x"}}
        ),
        "test.rpm.unique_int_a": unique_test("model.rpm.int_a"),
    }
    manifest = {"metadata": {"project_name": "rpm"}, "nodes": nodes, "sources": {}, "macros": {}}
    catalog = {"nodes": {"model.rpm.int_a": {"columns": {"X": {}, "y": {}}}}}
    violations, report = check(manifest, catalog)
    assert violations == ["model.rpm.int_a: column y has no description"]
    assert report == ["  intermediate      1 of     2 columns described (50%)"]


def manifest_of(*models):
    nodes = {f"model.rpm.{m['name']}": m for m in models}
    for model_id in list(nodes):
        nodes[f"test.rpm.unique_{model_id}"] = unique_test(model_id)
    return {"metadata": {"project_name": "rpm"}, "nodes": nodes, "sources": {}, "macros": {}}


def test_marts_are_leaves_and_private_models_stay_in_their_group():
    """An intermediate model reading a mart, a model reading another group's
    private model, two groups reading each other and a mart that is not
    public: each is a violation."""
    manifest = manifest_of(
        node("stg_erp__a", "models/staging/erp/stg_erp__a.sql", group="intake"),
        node("core_a", "models/core/ledger/core_a.sql", group="core"),
        node("fct_a", "models/marts/ledger/fct_a.sql", group="core", parents=["model.rpm.core_a"]),
        node("int_kpi_x", "models/intermediate/kpis/int_kpi_x.sql", group="kpis"),
        node(
            "int_reads_mart",
            "models/intermediate/kpis/int_reads_mart.sql",
            group="kpis",
            parents=["model.rpm.fct_a", "model.rpm.int_ops_y"],
        ),
        node(
            "int_ops_y",
            "models/intermediate/operations/int_ops_y.sql",
            group="operations",
            parents=["model.rpm.int_kpi_x"],
        ),
        node(
            "rpt_b",
            "models/marts/kpis/rpt_b.sql",
            group="kpis",
            access="protected",
            parents=["model.rpm.int_kpi_x"],
        ),
    )
    violations, _ = check(manifest)
    assert sorted(violations) == sorted(
        [
            "model.rpm.int_reads_mart: reads the public mart fct_a (marts are leaves: "
            "read the core model it selects)",
            "model.rpm.int_reads_mart: reads int_ops_y, private to group operations "
            "(this model's group: kpis)",
            "model.rpm.int_ops_y: reads int_kpi_x, private to group kpis "
            "(this model's group: operations)",
            "groups read each other in a loop: kpis -> operations -> kpis",
            "model.rpm.rpt_b: access protected, its layer's is public",
        ]
    )


def test_a_core_model_published_by_a_thin_mart_is_documented_by_it():
    """core_a's columns are described on fct_a, which selects it; core_b, read
    by a mart that does more than select it, is not."""
    thin = "-- published\n{{ config(materialized='view') }}\n\nselect * from {{ ref('core_a') }}\n"
    manifest = manifest_of(
        node("core_a", "models/core/core_a.sql", group="core"),
        node("core_b", "models/core/core_b.sql", group="core"),
        node(
            "fct_a",
            "models/marts/fct_a.sql",
            group="core",
            parents=["model.rpm.core_a"],
            raw_code=thin,
            columns={"x": {"description": "an x"}},
        ),
        node(
            "fct_b",
            "models/marts/fct_b.sql",
            group="core",
            parents=["model.rpm.core_b"],
            raw_code="select *, 1 as y from {{ ref('core_b') }}",
            columns={"x": {"description": "an x"}, "y": {"description": "a y"}},
        ),
    )
    catalog = {
        "nodes": {
            "model.rpm.core_a": {"columns": {"x": {}}},
            "model.rpm.core_b": {"columns": {"x": {}}},
            "model.rpm.fct_a": {"columns": {"x": {}}},
            "model.rpm.fct_b": {"columns": {"x": {}, "y": {}}},
        }
    }
    violations, _ = check(manifest, catalog)
    assert violations == ["model.rpm.core_b: column x has no description"]


def test_a_mart_built_in_another_order_than_its_contract_is_a_violation():
    """A view keeps the order of the model it selects; dbt checks names and
    types only. The catalog gives the built order."""
    manifest = manifest_of(
        node(
            "fct_a",
            "models/marts/fct_a.sql",
            group="core",
            columns={"x": {"description": "an x"}, "y": {"description": "a y"}},
        )
    )
    catalog = {"nodes": {"model.rpm.fct_a": {"columns": {"y": {"index": 1}, "x": {"index": 2}}}}}
    violations, _ = check(manifest, catalog)
    assert violations == ["model.rpm.fct_a: column 1 is y, the contract's is x"]


def test_a_parent_only_a_macro_names_is_a_violation():
    """int_a's macro reads int_x: the file must name it (argument or
    -- depends_on:); a file that loops over ref() calls itself names them."""
    manifest = manifest_of(
        node("int_x", "models/core/int_x.sql", group="core"),
        node(
            "int_a",
            "models/core/int_a.sql",
            group="core",
            parents=["model.rpm.int_x"],
            raw_code="{{ some_macro() }}",
        ),
        node(
            "int_b",
            "models/core/int_b.sql",
            group="core",
            parents=["model.rpm.int_x"],
            raw_code="-- depends_on: {{ ref('int_x') }}\n{{ some_macro() }}",
        ),
        node(
            "int_d",
            "models/core/int_d.sql",
            group="core",
            parents=["model.rpm.int_x"],
            # A name inside other words, a Jinja comment: neither names int_x.
            raw_code="{# ref(int_x) #} select 'int_x_like' as int_x {{ some_macro() }}",
        ),
        node(
            "int_c",
            "models/core/int_c.sql",
            group="core",
            parents=["model.rpm.int_x"],
            raw_code="{% for m in models %}select * from {{ ref(m) }}{% endfor %}",
        ),
    )
    violations, _ = check(manifest)
    assert violations == [
        f"model.rpm.{name}: parents only a macro names: int_x "
        "(pass them to the macro, or declare -- depends_on:)"
        for name in ("int_a", "int_d")
    ]


def test_a_loop_of_three_groups_is_a_violation():
    manifest = manifest_of(
        node(
            "int_a",
            "models/intermediate/a/int_a.sql",
            group="a",
            access="protected",
            parents=["model.rpm.int_c"],
        ),
        node(
            "int_b",
            "models/intermediate/b/int_b.sql",
            group="b",
            access="protected",
            parents=["model.rpm.int_a"],
        ),
        node(
            "int_c",
            "models/intermediate/c/int_c.sql",
            group="c",
            access="protected",
            parents=["model.rpm.int_b"],
        ),
    )
    violations, _ = check(manifest)
    assert violations == ["groups read each other in a loop: a -> c -> b -> a"]


def test_a_mart_with_fewer_columns_than_its_contract_is_a_violation():
    manifest = manifest_of(
        node(
            "fct_a",
            "models/marts/fct_a.sql",
            group="core",
            columns={"x": {"description": "an x"}, "y": {"description": "a y"}},
        )
    )
    catalog = {"nodes": {"model.rpm.fct_a": {"columns": {"x": {"index": 1}}}}}
    violations, _ = check(manifest, catalog)
    assert violations == ["model.rpm.fct_a: built with 1 columns, the contract has 2"]
