"""Shared fixtures: the project root and small generated extracts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId
from generated import make_extract

from receivables_rpm import project_root

# pytest-xdist workers run as `python -c`: pyspark (imported by Great
# Expectations) takes a __main__ without __file__ for its own doctest run and
# exits. Name the worker's main module.
if not hasattr(sys.modules["__main__"], "__file__"):
    sys.modules["__main__"].__file__ = "<pytest worker>"

ROOT = project_root()
SPEC = ROOT / "docs" / "spec"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def worked_example() -> Path:
    return SPEC / "worked_example"


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("extract") / "small"
    return out, make_extract(out)


# The test command runs on two pytest-xdist workers (`-n 2 --dist loadgroup
# --no-loadscope-reorder`, Makefile). Each worker builds the session
# fixtures its tests ask for, so tests sharing an expensive build, or one
# server, run on one worker: a group per engine (one throwaway PostgreSQL
# cluster, one Spark at a time) and per costly ledger (the demo's, the next
# day's, the v2 ledger's, the messy one's, the audited pair); the tests on
# the small shared builds (worked example, clean, restated) run together,
# and a test that builds its own ledger runs on any worker. Groups are
# handed out longest first (the order below), then the single tests.
XDIST_GROUPS = (
    ("spark", ("clean_on_spark", "spark_cluster")),
    ("postgres", ("postgres",)),
    ("next_day", ("next_day_builds", "v2_ledger_mid_march")),
    ("demo", ("demo", "unpatterned")),
    ("small_builds", ("clean", "worked", "restated")),
    ("v2_ledger", ("v2_ledger",)),
    ("messy", ("messy", "rejected")),
    ("audited", ("audited",)),
)
GROUP_ORDER = [group for group, _ in XDIST_GROUPS]
ENGINE_MODULES = {
    "test_postgres_build": "postgres",
    "test_package_install": "postgres",
    "test_target_schemas": "postgres",
    "test_spark_build": "spark",
    "test_spark_cluster": "spark",
}


def xdist_group(item: pytest.Item) -> str | None:
    """The worker group of an integration test; None (any worker) for a test
    that shares no build."""
    if item.get_closest_marker("integration") is None:
        return None
    module = item.module.__name__.rsplit(".", 1)[-1]
    if module in ENGINE_MODULES:
        return ENGINE_MODULES[module]
    # Engines first, then the costlier ledgers: a test on the demo and the
    # worked example belongs with the demo.
    for group, fixtures in XDIST_GROUPS:
        if group != "small_builds" and any(name in item.fixturenames for name in fixtures):
            return group
    if any(name in item.fixturenames for name in dict(XDIST_GROUPS)["small_builds"]):
        return "small_builds"
    return None


# First: pytest-xdist reads the marks in its own collection hook.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    groups = {item: xdist_group(item) for item in items}
    items.sort(
        key=lambda item: GROUP_ORDER.index(groups[item]) if groups[item] else len(GROUP_ORDER)
    )
    for item in items:
        if groups[item] is None:
            continue
        item.add_marker(pytest.mark.xdist_group(groups[item]))
        # pytest-xdist 3.8 groups by a "@group" suffix of the test's id, which
        # it writes to an attribute pytest 9 no longer reads: write it here.
        if getattr(config.option, "loadgroup", False) and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{groups[item]}")
