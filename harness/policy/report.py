"""Render a ScanResult as a readable table, JSON, JUnit XML or SARIF 2.1.0."""

from __future__ import annotations

import json
from collections import defaultdict
from xml.etree import ElementTree as ET

from harness.policy.catalogue import BY_ID, CATALOGUE
from harness.policy.findings import Finding, ScanResult

FORMATS = ("table", "json", "junit", "sarif")


def render(result: ScanResult, fmt: str) -> str:
    """The report in one of FORMATS."""
    renderers = {"table": table, "json": as_json, "junit": junit, "sarif": sarif}
    return renderers[fmt](result)


def table(result: ScanResult) -> str:
    """Findings grouped by policy, with file:line, then the suppressions and a summary."""
    by_policy: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_policy[finding.policy].append(finding)
    out: list[str] = []
    for policy in CATALOGUE:
        found = by_policy.get(policy.id, [])
        status = f"FAIL ({len(found)})" if found else "ok"
        out.append(f"{policy.id:<8} {status:<9} {policy.what}")
        for f in found:
            out.append(f"    {f.where}  {f.resource}  [{f.check}]")
            out.append(f"        {f.message}")
    if result.suppressions:
        out.append("")
        out.append(f"Suppressed ({len(result.suppressions)}):")
        for f in result.suppressions:
            reason = f.reason or "(NO REASON GIVEN)"
            out.append(f"    {f.policy:<8} {f.check:<28} {f.where}  {f.resource}")
            out.append(f"        reason: {reason}")
    out.append("")
    out.append(
        f"{result.path}: {len(result.findings)} finding(s) in {len(by_policy)} of "
        f"{len(CATALOGUE)} policies, {len(result.suppressions)} suppressed, "
        f"{result.passed} checks passed, {result.resource_count} resources, {result.seconds:.1f}s"
    )
    return "\n".join(out) + "\n"


def as_json(result: ScanResult) -> str:
    """A JSON array of the unsuppressed findings."""
    return json.dumps([f.to_dict() for f in result.findings], indent=2) + "\n"


def junit(result: ScanResult) -> str:
    """JUnit XML: one test case per policy, failing with one failure line per finding."""
    suite = ET.Element(
        "testsuite",
        name="policy",
        tests=str(len(CATALOGUE)),
        failures=str(len(result.policies())),
        time=f"{result.seconds:.3f}",
    )
    for policy in CATALOGUE:
        case = ET.SubElement(suite, "testcase", classname="policy", name=policy.id)
        found = [f for f in result.findings if f.policy == policy.id]
        if found:
            failure = ET.SubElement(
                case, "failure", message=f"{len(found)} finding(s): {policy.what}"
            )
            failure.text = "\n".join(
                f"{f.where} {f.resource} [{f.check}] {f.message}" for f in found
            )
    suites = ET.Element("testsuites")
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def sarif(result: ScanResult) -> str:
    """SARIF 2.1.0: rules are the catalogue ids; results carry physical locations."""
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
    results = [
        {
            "ruleId": f.policy,
            "ruleIndex": index[f.policy],
            "level": "error",
            "message": {"text": f"{f.resource}: {f.message} [{f.check}]"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.file},
                        "region": {"startLine": max(f.line, 1)},
                    }
                }
            ],
            "properties": {"check": f.check, "resource": f.resource},
        }
        for f in result.findings
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
