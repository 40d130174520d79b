"""Summarise the JUnit XML (and policy JSON) that the suites write under reports/.

CI's jobs each upload their reports and the summary job downloads every artifact into its
own subdirectory of reports/, so reports are found at any depth. A report named
`<suite>-<shard>.xml` (e.g. `integration-stack.xml`, one integration group) is a shard:
shards of one suite add up to the suite's row and are listed under it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import UsageError

MISSING = "missing"


@dataclass
class SuiteResult:
    """Counts and timings of one suite's JUnit report (or of its shards added up)."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    slowest: list[tuple[float, str]] = field(default_factory=list)
    shards: list[SuiteResult] = field(default_factory=list)

    def add(self, other: SuiteResult) -> None:
        """Add another report's counts, times and tests to this one."""
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.seconds += other.seconds
        self.slowest = sorted(self.slowest + other.slowest, reverse=True)


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


def find_reports(reports: Path) -> list[Path]:
    """Every JUnit XML under reports/, at any depth; one name twice is an error naming both."""
    seen: dict[str, Path] = {}
    for path in sorted(reports.rglob("*.xml")):
        if path.stem in seen:
            # Adding both would count the same tests twice (a stale top-level report next to
            # downloaded artifacts, or two jobs writing the same name).
            raise UsageError(f"{seen[path.stem]} and {path}: the same report twice")
        seen[path.stem] = path
    return sorted(seen.values(), key=lambda p: p.stem)


def split_name(name: str) -> tuple[str, str | None]:
    """A report name as (suite, shard): `integration-stack` -> ("integration", "stack")."""
    suite, _, shard = name.partition("-")
    return suite, shard or None


def collect(files: Iterable[Path]) -> list[SuiteResult]:
    """One result per suite, in name order; a suite's shards added up, each kept under it."""
    suites: dict[str, SuiteResult] = {}
    for path in files:
        result = read_junit(path)
        suite_name, shard = split_name(result.name)
        suite = suites.setdefault(suite_name, SuiteResult(suite_name))
        suite.add(result)
        if shard is not None:
            result.name = shard
            suite.shards.append(result)
    return [suites[name] for name in sorted(suites)]


def missing_reports(found: Iterable[str], expected: Iterable[str]) -> list[str]:
    """The expected report names with no report: `integration` is met by any of its shards."""
    names = set(found)
    suites = {split_name(name)[0] for name in names}
    return [
        name
        for name in expected
        if name not in names and not (split_name(name)[1] is None and name in suites)
    ]


def policy_findings(reports: Path) -> int | None:
    """How many findings the whole-template policy report holds, if it was written."""
    found = sorted(reports.rglob("policy.json"))
    if not found:
        return None
    if len(found) > 1:
        raise UsageError(f"{found[0]} and {found[1]}: the same report twice")
    path = found[0]
    try:
        return len(json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError) as error:
        raise UsageError(f"{path}: not a JSON list of findings: {error}") from None


def _row(name: str, s: SuiteResult) -> str:
    return f"{name:<18}{s.passed:>8}{s.failed:>8}{s.skipped:>9}{s.seconds:>10.1f}"


def summarise(reports: Path, slowest: int = 5, expected: Iterable[str] = ()) -> str:
    """The short summary `make report` prints; expected reports that are absent say so."""
    files = find_reports(reports)
    if not files:
        raise UsageError(f"{reports}: no JUnit XML reports (run a suite first)")
    suites = collect(files)
    missing = missing_reports((f.stem for f in files), expected)
    present = {s.name for s in suites}
    lines = [f"{'suite':<18}{'passed':>8}{'failed':>8}{'skipped':>9}{'seconds':>10}"]
    # A missing shard of a suite that has reports is listed under it; anything else alone.
    lines += [f"{name:<18}{MISSING:>8}" for name in missing if split_name(name)[0] not in present]
    for s in suites:
        lines.append(_row(s.name, s))
        lines += [_row(f"  {shard.name}", shard) for shard in s.shards]
        lines += [
            f"  {shard:<16}{MISSING:>8}"
            for suite, shard in map(split_name, missing)
            if suite == s.name and shard is not None
        ]
    total = SuiteResult("total")
    for s in suites:
        total.add(s)
    lines.append(_row("total", total))
    if missing:
        lines.append(f"missing reports: {', '.join(missing)}")
    findings = policy_findings(reports)
    if findings is not None:
        lines.append(f"policy findings on the template: {findings}")
    ranked = total.slowest[:slowest]
    if ranked:
        lines.append("slowest tests:")
        lines += [f"  {seconds:7.1f}s  {name}" for seconds, name in ranked]
    return "\n".join(lines)
