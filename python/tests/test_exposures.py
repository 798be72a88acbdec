"""The exposures list exactly the marts the shipped tools read: a mart named
in the code of receivables-dashboard or receivables-summary and missing from its exposure
(or listed and no longer read) fails."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"rpm_dashboard": "dashboard.py", "rpm_summary": "summary.py"}


def marts_named_in(code: str) -> set[str]:
    marts = {path.stem for path in (ROOT / "models" / "marts").rglob("*.sql")}
    return {word for word in re.findall(r"\b[a-z_]+\b", code) if word in marts}


def test_each_exposure_lists_the_marts_its_tool_reads():
    exposures = yaml.safe_load((ROOT / "models" / "marts" / "_exposures.yml").read_text())
    listed = {
        exposure["name"]: {re.fullmatch(r"ref\('(\w+)'\)", d)[1] for d in exposure["depends_on"]}
        for exposure in exposures["exposures"]
    }
    assert set(listed) == set(TOOLS)
    for name, module in TOOLS.items():
        code = (ROOT / "python" / "src" / "receivables_rpm" / module).read_text()
        assert listed[name] == marts_named_in(code), name
