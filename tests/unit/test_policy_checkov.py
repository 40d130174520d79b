"""How the harness reads checkov's output, without running checkov."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import PolicyError
from harness.policy.checkov import _raise_on_check_errors, reported_check_ids

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "line",
    [
        "[ERROR]  Failed to run check CKV_TPL_NET_SG_SOURCES on main.tf:aws_security_group.x",
        "[ERROR]  Cannot load external check 'tpl_network' from checks/tpl_network.py",
    ],
)
def test_policy_broken_custom_check_stops_the_scan(line: str) -> None:
    """A check that crashes, or a check file checkov cannot import, is a broken scan."""
    with pytest.raises(PolicyError, match="checks crashed"):
        _raise_on_check_errors(f"INFO starting\n{line}\n", Path("terraform"))


def test_policy_reported_check_ids_reads_every_outcome() -> None:
    """Passed, failed and skipped checks all count as reported, in one report or a list."""
    report = {
        "results": {
            "passed_checks": [{"check_id": "CKV_AWS_79"}],
            "failed_checks": [{"check_id": "CKV_AWS_8"}],
            "skipped_checks": [{"check_id": "CKV_AWS_145"}],
        }
    }
    assert reported_check_ids(report) == {"CKV_AWS_79", "CKV_AWS_8", "CKV_AWS_145"}
    assert reported_check_ids([report, {"summary": {}}]) == {
        "CKV_AWS_79",
        "CKV_AWS_8",
        "CKV_AWS_145",
    }


def test_policy_markers_match_the_checks() -> None:
    """The checks (inside checkov) and the harness spell the unknown and census markers alike."""
    from harness.policy import checkov

    checks = checkov.CHECKS_DIR
    values = (checks / "tpl_values.py").read_text(encoding="utf-8")
    census = (checks / "tpl_census.py").read_text(encoding="utf-8")
    assert f'UNKNOWN = "{checkov.UNKNOWN_MARKER}"' in values
    for constant in (
        checkov.CENSUS_ID,
        checkov.CENSUS_ABSENT,
        checkov.CENSUS_APPLIES,
        checkov.CENSUS_REFERENCES,
        checkov.CENSUS_EGRESS,
        checkov.CENSUS_READ,
        checkov.CENSUS_EVIDENCE,
    ):
        assert f'"{constant}"' in census


def _record(check: str, details: list[str] | None = None) -> dict[str, object]:
    return {
        "check_id": check,
        "check_name": "name",
        "resource": "aws_launch_template.x",
        "file_path": "/main.tf",
        "file_line_range": [1, 5],
        "details": details or [],
    }


def test_policy_silent_builtin_check_is_unknown() -> None:
    """A built-in check that applies to a block but gave no result is an unknown; a block the
    census marks absent reports nothing; a custom check's UNKNOWN detail is an unknown."""
    from harness.policy.checkov import CENSUS_ABSENT, CENSUS_APPLIES, UNKNOWN_MARKER, parse_report

    census = _record("CKV_TPL_CENSUS", [CENSUS_APPLIES + "CKV_AWS_79,CKV_AWS_8"])
    report = {
        "results": {
            "passed_checks": [_record("CKV_AWS_8")],
            "failed_checks": [census, _record("CKV_TPL_IMDS_TOKENS", [UNKNOWN_MARKER + "x"])],
        }
    }
    parsed = parse_report(report, Path("."))
    assert not parsed.findings
    assert {(f.check, f.outcome) for f in parsed.unknowns} == {
        ("CKV_AWS_79", "unknown"),
        ("CKV_TPL_IMDS_TOKENS", "unknown"),
    }
    census["details"] = [CENSUS_APPLIES + "CKV_AWS_79,CKV_AWS_8", CENSUS_ABSENT]
    absent = parse_report(report, Path("."))
    assert not absent.unknowns
    assert absent.passed == 0


def test_policy_document_read_from_file_replaces_checkovs_verdict() -> None:
    """checkov passes a templatefile() policy it never read; the census's results on the
    document read from file replace that pass (a failure is a finding, not an unknown)."""
    from harness.policy.checkov import CENSUS_APPLIES, CENSUS_READ, parse_report

    census = _record(
        "CKV_TPL_CENSUS",
        [
            CENSUS_APPLIES + "CKV_AWS_63,CKV_AWS_286",
            CENSUS_READ + 'CKV_AWS_63:FAILED:no "*" actions',
            CENSUS_READ + "CKV_AWS_286:PASSED:no privilege escalation",
        ],
    )
    report = {"results": {"passed_checks": [_record("CKV_AWS_63")], "failed_checks": [census]}}
    parsed = parse_report(report, Path("."))
    assert [(f.check, f.outcome, f.policy) for f in parsed.findings] == [
        ("CKV_AWS_63", "fail", "IAM-01")
    ]
    assert not parsed.unknowns
    assert parsed.passed == 1


@pytest.mark.parametrize("mode", ["static", "plan"])
@pytest.mark.parametrize(("state", "outcome"), [("absent", "fail"), ("unknown", "unknown")])
def test_policy_pass_on_evidence_never_created_is_void(state: str, outcome: str, mode: str) -> None:
    """A built-in check that passed on a connected block terraform never creates fails; on one
    it may not create (an unresolved count) it is unknown; neither counts as passed. (A plan
    holds no block with count = 0 at all; the records still meet by address there.)"""
    from harness.policy.checkov import CENSUS_APPLIES, CENSUS_EVIDENCE, parse_report

    census = _record(
        "CKV_TPL_CENSUS",
        [CENSUS_APPLIES + "CKV2_AWS_11", f"{CENSUS_EVIDENCE}CKV2_AWS_11:{state}:aws_flow_log.x"],
    )
    passed = _record("CKV2_AWS_11")
    if mode == "plan":  # checkov names a passed plan record by the plan file
        passed["file_path"] = "/plan.json"
    report = {"results": {"passed_checks": [passed], "failed_checks": [census]}}
    parsed = parse_report(report, Path("."), mode=mode)
    flagged = [
        (f.check, f.outcome, "aws_flow_log.x" in f.message)
        for f in parsed.findings + parsed.unknowns
    ]
    assert flagged == [("CKV2_AWS_11", outcome, True)]
    assert parsed.passed == 0


def test_policy_plan_records_match_by_address_and_say_plan() -> None:
    """In a plan report checkov names failed records by their HCL file and passed ones by the
    plan file: records of one block still meet (no false unknown), and findings say `plan`."""
    from harness.policy.checkov import CENSUS_APPLIES, parse_report

    census = _record("CKV_TPL_CENSUS", [CENSUS_APPLIES + "CKV_AWS_79,CKV_AWS_8"])
    passed = {**_record("CKV_AWS_8"), "file_path": "/plan.json"}
    report = {
        "results": {"passed_checks": [passed], "failed_checks": [census, _record("CKV_AWS_79")]}
    }
    parsed = parse_report(report, Path("."), mode="plan")
    assert not parsed.unknowns
    assert [(f.check, f.mode) for f in parsed.findings] == [("CKV_AWS_79", "plan")]
