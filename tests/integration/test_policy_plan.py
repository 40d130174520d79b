"""Plan-resolved policy scanning on the ephemeral account: the shapes and every environment.

Stages: plan (each shape fixture as a copy with local state; each template root after the
roots it depends on, applied once on the session's stack), scan (checkov's terraform_plan
framework with the catalogue), teardown (the session's `stack` and `account` fixtures).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.account import Account
from harness.cli import main
from harness.policy import ScanResult, scan
from harness.policy.plan import plan_directory, plan_template_root, scan_plan_file
from harness.roots import ROOTS
from harness.stack import Stack

pytestmark = pytest.mark.integration

SHAPES = Path(__file__).resolve().parents[1] / "policy" / "fixtures" / "shapes"
TEMPLATE = Path(__file__).resolve().parents[2] / "terraform"
# Shapes whose static unknowns the plan resolves: the plan's exact set (with the tfvars the
# fixture holds as plan.tfvars). The others flag in plan mode exactly what static --strict flags.
PLAN_RESOLVES: dict[str, set[tuple[str, str, str]]] = {
    "ports-module-map": {
        ("fail", "NET-01", 'module.sg.aws_security_group_rule.this["https"]'),
        ("fail", "NET-03", 'module.sg.aws_security_group_rule.this["redis"]'),
    },
}
# A required variable without a value: terraform refuses to plan it (exit 2, its reason).
UNPLANNABLE = {"variable-no-default": "No value for required variable"}
PLANNABLE = sorted(d.name for d in SHAPES.iterdir() if d.is_dir() and d.name not in UNPLANNABLE)
_INDEX = re.compile(r"\[[^\]]*\]")


def _flagged(result: ScanResult) -> set[tuple[str, str]]:
    """(policy, resource without instance keys) of every finding, unknowns counted."""
    return {(f.policy, _INDEX.sub("", f.resource)) for f in result.findings + result.unknowns}


@pytest.mark.parametrize("name", PLANNABLE)
def test_policy_plan_shape_flags_what_static_strict_flags(
    account: Account, tmp_path: Path, name: str
) -> None:
    """Each shape planned and scanned: every finding says mode plan; nothing is unknown; the
    flagged set equals static --strict's, or the resolved set where the plan decides what
    static scanning could not."""
    fixture = SHAPES / name
    var_files = [fixture / "plan.tfvars"] if (fixture / "plan.tfvars").exists() else []
    plan_file = plan_directory(fixture, var_files, account, tmp_path, print)
    result = scan_plan_file(plan_file, fixture)
    assert {f.mode for f in result.findings + result.unknowns} <= {"plan"}
    assert not result.unknowns, [f.message for f in result.unknowns]
    if name in PLAN_RESOLVES:
        flagged = {(f.outcome, f.policy, f.resource) for f in result.findings}
        assert flagged == PLAN_RESOLVES[name]
    else:
        assert _flagged(result) == _flagged(scan(fixture).strict())


@pytest.mark.parametrize("name", sorted(UNPLANNABLE))
def test_policy_plan_unplannable_root_is_incomplete(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """`policy --plan` of a root terraform cannot plan: exit 2 with terraform's reason, one
    line, no traceback; the account it started is torn down (progress says so)."""
    assert main(["policy", "--plan", str(SHAPES / name)]) == 2
    err = capsys.readouterr().err
    assert UNPLANNABLE[name] in err
    assert "tearing down" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", [r.name for r in ROOTS])
def test_policy_plan_environment_scans_clean(stack: Stack, tmp_path: Path, name: str) -> None:
    """Every environment of the template, planned after its dependencies on the session's
    stack and scanned in plan mode: 0 unknowns and 0 findings; the template's suppressions
    (on resources and on module calls) apply. (Plan mode found the one gap static scanning
    passed: the static site's SSE-S3 bucket had no CKV_AWS_145 skip on its module call.)"""
    plan_file = plan_template_root(stack, name, [], tmp_path, print)
    result = scan_plan_file(plan_file, TEMPLATE / next(r.path for r in ROOTS if r.name == name))
    described = [f"{f.check} {f.resource}: {f.message}" for f in result.findings + result.unknowns]
    assert result.resource_count > 0
    assert not result.unknowns, "\n".join(described)
    assert not result.findings, "\n".join(described)
    assert {f.mode for f in result.findings + result.suppressions} <= {"plan"}
    assert not result.parse_errors
