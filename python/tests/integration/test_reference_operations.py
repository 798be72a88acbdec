"""The operations marts' KPIs against an independent pandas re-computation
(reference_operations.py): promise-to-pay kept rate and right-party-contact
rate (rpt_collection_effectiveness), dispute resolution median and p90
(rpt_disputes_by_type), for every period grain, segment and dispute type.
Counts must be equal, ratios within 0.01, NULL against NULL. Like the KPI
reference, it takes only the risk tier per customer and month end from the
project; on the messy ledger it reads the rows the build kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference_kpis import KEYS, inputs_from_build, inputs_from_folder
from reference_operations import (
    DISPUTE_COUNTS,
    DISPUTE_KEYS,
    DISPUTE_RATIOS,
    EFFECTIVENESS_COUNTS,
    EFFECTIVENESS_RATIOS,
    ReferenceOperations,
)
from test_reference_kpis import STAGED, risk_tiers

pytestmark = pytest.mark.integration

TOLERANCE = 0.01
SHOWN = 10


def reference(build, source: Path | str) -> ReferenceOperations:
    inputs = inputs_from_build(build.query) if source == STAGED else inputs_from_folder(source)
    return ReferenceOperations(inputs, risk_tiers(build))


def mart(build, table: str, columns: list[str]) -> pd.DataFrame:
    return build.query(
        "select * exclude (period_start_date), "
        "strftime(period_start_date, '%Y-%m-%d') as period_start_date "
        f"from marts.{table}"
    )[columns]


def differences(ours: pd.DataFrame, theirs: pd.DataFrame, keys, counts, ratios) -> list[str]:
    """Rows on one side only (a mart row is allowed without the reference
    when every count the reference computes is 0 there: stock-only dispute
    rows), counts that differ, ratios more than TOLERANCE apart or NULL on
    one side only."""
    merged = ours.merge(theirs, on=keys, how="outer", suffixes=("_mart", "_ref"), indicator=True)
    where = lambda r: " ".join(str(getattr(r, k)) for k in keys)  # noqa: E731
    problems = [
        f"row missing from the mart: {where(r)}"
        for r in merged[merged["_merge"] == "right_only"].head(SHOWN).itertuples()
    ]
    only_mart = merged[merged["_merge"] == "left_only"]
    with_facts = only_mart[[f"{c}_mart" for c in counts]].to_numpy().sum(axis=1) != 0
    problems += [
        f"row only in the mart, with facts: {where(r)}"
        for r in only_mart[with_facts].head(SHOWN).itertuples()
    ]
    both = merged[merged["_merge"] == "both"]
    for column in counts + ratios:
        a = pd.to_numeric(both[f"{column}_mart"], errors="coerce").astype(float)
        b = pd.to_numeric(both[f"{column}_ref"], errors="coerce").astype(float)
        atol = 0 if column in counts else TOLERANCE
        far = ~np.isclose(a.fillna(0), b.fillna(0), rtol=0, atol=atol)
        bad = (a.isna() != b.isna()) | (a.notna() & b.notna() & far)
        problems += [
            f"{column} {where(r)}: mart {getattr(r, column + '_mart')!r}, "
            f"reference {getattr(r, column + '_ref')!r}"
            for r in both[bad].head(SHOWN).itertuples()
        ]
    return problems


def assert_operations_match(build, source: Path | str, expect: set[str]) -> None:
    """`expect` names what the ledger must hold, so that the comparison is
    not vacuous: 'kept', 'broken', 'calls', 'resolved'."""
    assert build.returncode == 0, build.output[-3000:]
    ops = reference(build, source)
    effectiveness = ops.collection_effectiveness()
    disputes = ops.disputes_by_type()
    held = {
        "kept": effectiveness["promise_kept_count"].sum(),
        "broken": effectiveness["promise_broken_count"].sum(),
        "calls": effectiveness["outbound_call_count"].sum(),
        "resolved": disputes["resolved_count"].sum(),
    }
    assert all(held[name] > 0 for name in expect), held
    effectiveness_columns = [*KEYS, *EFFECTIVENESS_COUNTS, *EFFECTIVENESS_RATIOS]
    problems = differences(
        mart(build, "rpt_collection_effectiveness", effectiveness_columns),
        effectiveness,
        KEYS,
        EFFECTIVENESS_COUNTS,
        EFFECTIVENESS_RATIOS,
    )
    problems += differences(
        mart(build, "rpt_disputes_by_type", [*DISPUTE_KEYS, *DISPUTE_COUNTS, *DISPUTE_RATIOS]),
        disputes,
        DISPUTE_KEYS,
        DISPUTE_COUNTS,
        DISPUTE_RATIOS,
    )
    assert not problems, "operations marts vs the reference:\n" + "\n".join(problems)


def test_demo_operations_equal_the_reference(demo):
    build, _ = demo
    assert_operations_match(
        build, build.database.parent.parent / "extract", {"kept", "broken", "calls", "resolved"}
    )


def test_v2_ledger_operations_equal_the_reference(v2_ledger):
    build, _ = v2_ledger
    assert_operations_match(build, build.database.parent.parent / "extract", {"kept"})


def test_messy_operations_equal_the_reference_on_the_staged_rows(messy):
    build, _ = messy
    assert_operations_match(build, STAGED, {"kept", "broken", "calls", "resolved"})
