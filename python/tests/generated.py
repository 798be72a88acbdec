"""Small generated extracts for tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from receivables_rpm.generator.cli import GeneratorConfig, generate


def make_extract(out: Path, **overrides) -> dict:
    config = GeneratorConfig(
        **{
            "customers": 150,
            "months": 18,
            "start": dt.date(2024, 1, 1),
            "seed": 7,
            "out": out,
            **overrides,
        }
    )
    return generate(config)
