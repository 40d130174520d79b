"""`python -m harness policy`: exit codes, formats, and refusal of unscannable input."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from harness.cli import main
from harness.commands import policy as command
from harness.policy import CATALOGUE, ScanResult
from harness.policy.report import render

pytestmark = pytest.mark.policy

ONE_BAD_RESOURCE = """
resource "aws_launch_template" "api" {
  name_prefix = "api-"
  metadata_options {
    http_tokens = "optional"
  }
}
"""


def test_policy_cli_single_file_directory_reports_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory with one .tf file and one resource scans; findings come out as JSON."""
    (tmp_path / "main.tf").write_text(ONE_BAD_RESOURCE)
    code = main(["policy", str(tmp_path), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {"IMDS-01", "IMDS-02", "EBS-01"} <= {f["policy"] for f in findings}
    for finding in findings:
        assert {"policy", "check", "resource", "file", "line", "message"} <= set(finding)
        assert finding["file"].endswith("main.tf")
        assert finding["line"] == 2


def test_policy_cli_clean_tree_exits_zero(
    monkeypatch: pytest.MonkeyPatch,
    template_scan: ScanResult,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`policy terraform --format json` prints [] and exits 0 (scan reused from the session)."""
    monkeypatch.setattr(command, "scan", lambda path: template_scan)
    assert main(["policy", "terraform", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_policy_cli_malformed_file_exits_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A parse error stops the scan with exit 2 and names the file."""
    (tmp_path / "ok.tf").write_text('resource "aws_s3_bucket" "a" {}\n')
    (tmp_path / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n}\n')
    assert main(["policy", str(tmp_path)]) == 2
    assert "broken.tf" in capsys.readouterr().err


def test_policy_cli_empty_directory_exits_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty scan never passes."""
    assert main(["policy", str(tmp_path)]) == 2
    assert "no resources scanned" in capsys.readouterr().err


def test_policy_cli_variables_only_exits_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory with only variables has nothing to check: exit 2."""
    (tmp_path / "variables.tf").write_text('variable "x" {\n  type = string\n}\n')
    assert main(["policy", str(tmp_path)]) == 2
    assert "no resources scanned" in capsys.readouterr().err


def test_policy_table_groups_by_policy_with_locations(fixture_scan: ScanResult) -> None:
    """The table lists every policy and each finding's file:line under its policy."""
    text = render(fixture_scan, "table")
    for policy in CATALOGUE:
        assert policy.id in text
    first = fixture_scan.findings[0]
    assert first.where in text


def test_policy_sarif_has_rules_and_locations(fixture_scan: ScanResult) -> None:
    """SARIF 2.1.0: rules are the catalogue ids; results point at files and lines."""
    document = json.loads(render(fixture_scan, "sarif"))
    run = document["runs"][0]
    assert document["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [p.id for p in CATALOGUE]
    kinds = [r["kind"] for r in run["results"]]
    assert kinds.count("open") == len(fixture_scan.unknowns)
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert len(suppressed) == len(fixture_scan.suppressions)
    assert len(run["results"]) == (
        len(fixture_scan.findings) + len(fixture_scan.unknowns) + len(fixture_scan.suppressions)
    )
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"]
    assert location["region"]["startLine"] >= 1


def test_policy_junit_fails_one_case_per_failing_policy(fixture_scan: ScanResult) -> None:
    """JUnit XML: a test case per policy, a failure for each policy with findings."""
    root = ET.fromstring(render(fixture_scan, "junit"))
    cases = root.findall("./testsuite/testcase")
    failing = {c.get("name") for c in cases if c.find("failure") is not None}
    assert len(cases) == len(CATALOGUE)
    assert failing == fixture_scan.policies()


def test_policy_cli_output_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fixture_scan: ScanResult
) -> None:
    """--output writes the report to a file; findings (with --strict, unknowns too) exit 1."""
    monkeypatch.setattr(command, "scan", lambda path: fixture_scan)
    out = tmp_path / "policy.sarif"
    assert main(["policy", "x", "--strict", "--format", "sarif", "--output", str(out)]) == 1
    assert json.loads(out.read_text())["version"] == "2.1.0"
