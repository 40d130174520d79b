"""Render a ScanResult as a readable table, JSON, JUnit XML or SARIF 2.1.0."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from harness.policy.catalogue import BY_ID, CATALOGUE
from harness.policy.checkov import clip
from harness.policy.findings import Finding, ScanResult

FORMATS = ("table", "json", "junit", "sarif")


def render(result: ScanResult, fmt: str) -> str:
    """The report in one of FORMATS."""
    renderers = {"table": table, "json": as_json, "junit": junit, "sarif": sarif}
    return renderers[fmt](result)


def table(result: ScanResult) -> str:
    """Findings and unknowns grouped by policy, with file:line and the mode that found each,
    then the unreadable files, the suppressions and a summary."""
    by_policy: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings + result.unknowns:
        by_policy[finding.policy].append(finding)
    out: list[str] = []
    for policy in CATALOGUE:
        found = by_policy.get(policy.id, [])
        fails = [f for f in found if f not in result.unknowns]
        unknown = len(found) - len(fails)
        status = f"FAIL ({len(fails)})" if fails else "ok"
        if unknown:
            status = f"{status}, UNKNOWN ({unknown})" if fails else f"UNKNOWN ({unknown})"
        out.append(f"{policy.id:<8} {status:<9} {policy.what}")
        for f in found:
            label = "unknown " if f in result.unknowns else ""
            out.append(f"    {label}{f.where}  {f.resource}  [{f.check}, {f.mode}]")
            out.append(f"        {f.message}")
    if result.parse_errors:
        out.append("")
        out.append(f"Not read ({len(result.parse_errors)}):")
        out.extend(f"    {error}" for error in result.parse_errors)
    if result.suppressions:
        out.append("")
        out.append(f"Suppressed ({len(result.suppressions)}):")
        for f in result.suppressions:
            reason = f.reason or "(NO REASON GIVEN)"
            out.append(f"    {f.policy:<8} {f.check:<28} {f.where}  {f.resource}")
            out.append(f"        reason: {reason}")
    out.append("")
    failing = len({f.policy for f in result.findings})
    out.append(
        f"{result.path}: {len(result.findings)} finding(s) in {failing} of "
        f"{len(CATALOGUE)} policies, {len(result.unknowns)} unknown, "
        f"{len(result.suppressions)} suppressed, {len(result.parse_errors)} file(s) not read, "
        f"{result.passed} checks passed, {result.resource_count} resources, {result.seconds:.1f}s"
    )
    return "\n".join(out) + "\n"


def as_json(result: ScanResult) -> str:
    """A JSON array of the unsuppressed findings, then the unknowns (`outcome` tells them apart)."""
    return json.dumps([f.to_dict() for f in result.findings + result.unknowns], indent=2) + "\n"


def junit(result: ScanResult) -> str:
    """JUnit XML: one test case per policy, failing with one line per finding; a policy with only
    unknowns is an error (it could not be decided)."""
    suite = ET.Element(
        "testsuite",
        name="policy",
        tests=str(len(CATALOGUE)),
        failures=str(len(result.policies())),
        errors=str(len({f.policy for f in result.unknowns} - result.policies())),
        time=f"{result.seconds:.3f}",
    )
    for policy in CATALOGUE:
        case = ET.SubElement(suite, "testcase", classname="policy", name=policy.id)
        found = [f for f in result.findings if f.policy == policy.id]
        unknown = [f for f in result.unknowns if f.policy == policy.id]
        lines = [f"{f.where} {f.resource} [{f.check}, {f.mode}] {f.message}" for f in found] + [
            f"unknown: {f.where} {f.resource} [{f.check}, {f.mode}] {f.message}" for f in unknown
        ]
        if found:
            failure = ET.SubElement(
                case, "failure", message=f"{len(found)} finding(s): {policy.what}"
            )
            failure.text = "\n".join(lines)
        elif unknown:
            error = ET.SubElement(
                case, "error", message=f"{len(unknown)} unknown: could not be decided"
            )
            error.text = "\n".join(lines)
    suites = ET.Element("testsuites")
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


SCAN_ROOT = "SCANROOT"


def scan_root(result: ScanResult) -> Path:
    """The directory SARIF names files relative to: the common directory of the scanned paths."""
    roots = [Path(r).resolve() for r in result.roots] or [Path.cwd()]
    dirs = [r if r.is_dir() else r.parent for r in roots]
    return Path(os.path.commonpath([str(d) for d in dirs]))


def artifact_uri(file: str, root: Path) -> str:
    """`file` as a percent-encoded URI relative to `root` (no absolute path, no `..`)."""
    path = Path(file).resolve()
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)  # outside the scanned root (a symlinked module): its name
    return quote(relative.as_posix())


def _sarif_result(f: Finding, root: Path, index: dict[str, int], kind: str) -> dict[str, Any]:
    """One SARIF result: a failure, an unknown ("open") or a suppressed finding."""
    item: dict[str, Any] = {
        "ruleId": f.policy,
        "ruleIndex": index[f.policy],
        "kind": "fail" if kind != "open" else "open",
        "level": "error" if kind != "open" else "none",
        "message": {"text": clip(f"{f.resource}: {f.message} [{f.check}]")},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(f.file, root), "uriBaseId": SCAN_ROOT},
                    "region": {"startLine": max(f.line, 1)},
                }
            }
        ],
        "properties": {
            "check": f.check,
            "resource": f.resource,
            "outcome": "unknown" if kind == "open" else "fail",
            "mode": f.mode,
        },
    }
    if kind == "suppressed":
        item["suppressions"] = [{"kind": "inSource", "justification": f.reason or ""}]
    return item


def sarif(result: ScanResult) -> str:
    """SARIF 2.1.0: rules are the catalogue ids; results (failures, unknowns as kind "open",
    suppressed findings with `suppressions`) name files relative to the scanned root."""
    rules = [
        {
            "id": p.id,
            "name": p.id.replace("-", ""),
            "shortDescription": {"text": p.what},
            "fullDescription": {"text": f"{p.what}. Why: {p.why}."},
            "properties": {"checks": list(p.checks)},
        }
        for p in CATALOGUE
    ]
    index = {p.id: i for i, p in enumerate(CATALOGUE)}
    root = scan_root(result)
    results = [
        _sarif_result(f, root, index, kind)
        for kind, found in (
            ("fail", result.findings),
            ("open", result.unknowns),
            ("suppressed", result.suppressions),
        )
        for f in found
        if f.policy in BY_ID
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "harness-policy",
                        "informationUri": "https://www.checkov.io/",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {
                    SCAN_ROOT: {"description": {"text": "the scanned directory"}}
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def markdown_catalogue() -> str:
    """The catalogue as the README's Markdown table (id, what, why, checks)."""
    rows = ["| id | what must hold | why | checks |", "| --- | --- | --- | --- |"]
    for p in CATALOGUE:
        checks = ", ".join(f"`{c}`" for c in p.checks)
        rows.append(f"| {p.id} | {p.what} | {p.why} | {checks} |")
    return "\n".join(rows) + "\n"
