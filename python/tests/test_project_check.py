"""The project check on a hand-made manifest: each rule catches its case,
and the real project passes it (make test runs it on the parsed project)."""

from __future__ import annotations

from rpm.project_check import check


def node(name, path, description="d", schema="intermediate", parents=(), contract=True, **kw):
    return {
        "resource_type": kw.get("resource_type", "model"),
        "package_name": "rpm",
        "name": name,
        "original_file_path": path,
        "description": description,
        "schema": schema,
        "depends_on": {"nodes": list(parents)},
        "config": {"contract": {"enforced": contract}},
        "columns": kw.get("columns", {}),
    }


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
    }
    violations, _ = check(manifest)
    assert sorted(violations) == sorted(
        [
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
