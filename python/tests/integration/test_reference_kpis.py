"""The wide KPI marts (rpt_kpis_monthly / _quarterly / _yearly) against an
independent pandas re-computation from the extract (reference_kpis.py), for
every period grain, segment type and segment value, column by column to the
cent (NULL must match NULL). The reference takes one figure from the
project: the risk tier scored per customer and month end (a scoring rule).

On the messy ledger the reference reads what the build kept (its staged and
validated rows) instead of the files: quarantine is the project's decision,
tested elsewhere (test_messy.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference_kpis import (
    COLUMNS,
    KEYS,
    MONEY,
    SEGMENT_TYPES,
    inputs_from_build,
    inputs_from_folder,
    reference_kpis,
)

pytestmark = pytest.mark.integration

GRAINS = {"month": "rpt_kpis_monthly", "quarter": "rpt_kpis_quarterly", "year": "rpt_kpis_yearly"}
TOLERANCE = 0.01
SHOWN = 10
STAGED = "staged"

_references: dict[tuple[str, str], pd.DataFrame] = {}


def risk_tiers(build) -> pd.DataFrame:
    return build.query(
        "select customer_id, month_end_date, risk_tier from marts.fct_customer_risk_scores"
    )


def reference_for(build, source: Path | str) -> pd.DataFrame:
    """The reference for a build, computed once per build: from the extract
    folder `source`, or (source 'staged') from the rows the build kept."""
    key = (str(build.database), str(source))
    if key not in _references:
        if source == STAGED:
            inputs = inputs_from_build(build.query)
        else:
            inputs = inputs_from_folder(Path(source))
        _references[key] = reference_kpis(inputs, risk_tiers(build))
    return _references[key]


def mart_rows(build, grain: str) -> pd.DataFrame:
    return build.query(
        "select period_grain, strftime(period_start_date, '%Y-%m-%d') as period_start_date, "
        f"segment_type, segment_value, {', '.join(COLUMNS)} from marts.{GRAINS[grain]}"
    )


def differences(mart: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Every disagreement, as text: rows on one side only (a reference row
    without any fact may be absent from the mart), then per column the
    cells more than TOLERANCE apart or NULL on one side only."""
    problems = []
    merged = mart.merge(reference, on=KEYS, how="outer", suffixes=("_mart", "_ref"), indicator=True)

    def where(row) -> str:
        return f"{row.period_grain} {row.period_start_date} {row.segment_type}={row.segment_value}"

    only_mart = merged[merged["_merge"] == "left_only"]
    problems += [f"row only in the mart: {where(r)}" for r in only_mart.head(SHOWN).itertuples()]
    only_reference = merged[(merged["_merge"] == "right_only") & merged["has_facts"].eq(True)]
    problems += [
        f"row missing from the mart (the reference has facts): {where(r)}"
        for r in only_reference.head(SHOWN).itertuples()
    ]
    both = merged[merged["_merge"] == "both"]
    for column in COLUMNS:
        ours = pd.to_numeric(both[f"{column}_mart"], errors="coerce").astype(float)
        theirs = pd.to_numeric(both[f"{column}_ref"], errors="coerce").astype(float)
        far = ~np.isclose(ours.fillna(0), theirs.fillna(0), rtol=0, atol=TOLERANCE)
        bad = (ours.isna() != theirs.isna()) | (ours.notna() & theirs.notna() & far)
        if not bad.any():
            continue
        by_type = both[bad].groupby("segment_type").size().to_dict()
        problems.append(f"{column}: {int(bad.sum())} rows differ {by_type}, first:")
        problems += [
            f"  {where(r)}: mart {getattr(r, column + '_mart')!r}, "
            f"reference {getattr(r, column + '_ref')!r}"
            for r in both[bad].head(SHOWN).itertuples()
        ]
    return problems


def assert_marts_match(build, source: Path | str, grain: str) -> None:
    assert build.returncode == 0, build.output[-3000:]
    reference = reference_for(build, source)
    reference = reference[reference["period_grain"] == grain]
    mart = mart_rows(build, grain)
    assert len(mart), f"marts.{GRAINS[grain]} is empty"
    assert set(mart["segment_type"]) == set(SEGMENT_TYPES)
    # The reference is not vacuous: it has money in it.
    assert reference[MONEY].abs().to_numpy().sum() > 0
    problems = differences(mart, reference)
    assert not problems, f"marts.{GRAINS[grain]} vs the reference:\n" + "\n".join(problems)


@pytest.mark.parametrize("grain", list(GRAINS))
def test_demo_marts_equal_the_reference(demo, grain):
    build, _ = demo
    assert_marts_match(build, build.database.parent.parent / "extract", grain)


@pytest.mark.parametrize("grain", list(GRAINS))
def test_worked_example_marts_equal_the_reference(worked, worked_example, grain):
    assert_marts_match(worked, worked_example, grain)


@pytest.mark.parametrize("grain", list(GRAINS))
def test_v2_ledger_marts_equal_the_reference(v2_ledger, grain):
    build, _ = v2_ledger
    assert_marts_match(build, build.database.parent.parent / "extract", grain)


@pytest.mark.parametrize("grain", list(GRAINS))
def test_messy_marts_equal_the_reference_on_the_staged_rows(messy, grain):
    build, _ = messy
    assert_marts_match(build, STAGED, grain)
