"""Shared fixtures: the project root and small generated extracts."""

from __future__ import annotations

from pathlib import Path

import pytest
from generated import make_extract

from rpm import project_root

ROOT = project_root()
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def worked_example() -> Path:
    path = SHARED / "spec" / "worked_example"
    if not path.exists():
        pytest.fail(f"../shared is missing: {path} (CI clones the project beside shared/)")
    return path


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("extract") / "small"
    return out, make_extract(out)
