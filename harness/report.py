"""Summarise the JUnit XML (and policy JSON) that the suites write under reports/."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import UsageError


@dataclass
class SuiteResult:
    """Counts and timings of one suite's JUnit report."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)


def read_junit(path: Path) -> SuiteResult:
    """Read one JUnit XML file (pytest's format); a broken file is an error naming it."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as error:
        raise UsageError(f"{path}: not a readable JUnit XML report: {error}") from None
    result = SuiteResult(name=path.stem)
    for case in root.iter("testcase"):
        seconds = float(case.get("time", "0") or 0)
        result.seconds += seconds
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        result.slowest.append((seconds, name))
        if case.find("failure") is not None or case.find("error") is not None:
            result.failed += 1
        elif case.find("skipped") is not None:
            result.skipped += 1
        else:
            result.passed += 1
    result.slowest.sort(reverse=True)
    return result


def policy_findings(reports: Path) -> int | None:
    """How many findings the whole-template policy report holds, if it was written."""
    path = reports / "policy.json"
    if not path.exists():
        return None
    try:
        return len(json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError) as error:
        raise UsageError(f"{path}: not a JSON list of findings: {error}") from None


def summarise(reports: Path, slowest: int = 5) -> str:
    """The short summary `make report` prints."""
    files = sorted(reports.glob("*.xml"))
    if not files:
        raise UsageError(f"{reports}: no JUnit XML reports (run a suite first)")
    suites = [read_junit(f) for f in files]
    lines = [f"{'suite':<14}{'passed':>8}{'failed':>8}{'skipped':>9}{'seconds':>10}"]
    for s in suites:
        lines.append(f"{s.name:<14}{s.passed:>8}{s.failed:>8}{s.skipped:>9}{s.seconds:>10.1f}")
    total = SuiteResult("total")
    for s in suites:
        total.passed += s.passed
        total.failed += s.failed
        total.skipped += s.skipped
        total.seconds += s.seconds
    lines.append(
        f"{'total':<14}{total.passed:>8}{total.failed:>8}{total.skipped:>9}{total.seconds:>10.1f}"
    )
    findings = policy_findings(reports)
    if findings is not None:
        lines.append(f"policy findings on the template: {findings}")
    ranked = sorted((t for s in suites for t in s.slowest), reverse=True)[:slowest]
    if ranked:
        lines.append("slowest tests:")
        lines += [f"  {seconds:7.1f}s  {name}" for seconds, name in ranked]
    return "\n".join(lines)
