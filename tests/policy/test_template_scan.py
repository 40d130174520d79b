"""The template itself passes every policy; every suppression carries its reason."""

from __future__ import annotations

import pytest

from harness.commands.policy import exit_code, merge
from harness.paths import PACKER_DIR, TEMPLATE_DIR
from harness.policy import ScanResult
from harness.policy.catalogue import POLICY_OF_CHECK
from harness.policy.suppressions import suppressions_in

pytestmark = pytest.mark.policy


def _describe(result: ScanResult) -> str:
    return "\n".join(f"{f.where} {f.policy} {f.resource}: {f.message}" for f in result.findings)


def test_policy_terraform_scans_clean(template_scan: ScanResult) -> None:
    """terraform/ (every environment and module) has no unsuppressed finding."""
    assert template_scan.resource_count > 0
    assert template_scan.ok, _describe(template_scan)


def test_policy_template_under_strict_exits_0_with_no_unknowns(
    template_scan: ScanResult, packer_scan: ScanResult
) -> None:
    """`make test-policy` (and CI) scan the template with --strict: every check is decided, so
    it exits 0 with 0 unknowns and 0 unreadable files."""
    result = merge([template_scan, packer_scan])
    unknowns = "\n".join(f"{f.where} {f.check} {f.resource}: {f.message}" for f in result.unknowns)
    assert not result.unknowns, unknowns
    assert not result.parse_errors
    assert exit_code(result.strict()) == 0


def test_policy_packer_scans_clean(packer_scan: ScanResult) -> None:
    """packer/ sources require IMDSv2 with hop limit 1."""
    assert packer_scan.resource_count > 0
    assert packer_scan.ok, _describe(packer_scan)


def suppressions_in_tree() -> list[tuple[str, str, str]]:
    """(file:line, check id, reason) for every `#checkov:skip=` in terraform/ and packer/."""
    return [(s.where, s.check, s.reason) for s in suppressions_in((TEMPLATE_DIR, PACKER_DIR))]


@pytest.mark.parametrize(
    ("where", "check", "reason"), suppressions_in_tree() or [("(none)", "", "no suppression")]
)
def test_policy_suppression_has_reason(where: str, check: str, reason: str) -> None:
    """`#checkov:skip=<id>:<reason>`: a suppression without a reason fails."""
    assert len(reason) >= 10, f"{where}: suppression of {check} gives no reason"


def test_policy_report_lists_every_suppression(
    template_scan: ScanResult, packer_scan: ScanResult
) -> None:
    """Each suppression of a catalogue check in the tree is reported, with its reason.

    Suppressions of checks outside the catalogue are for a full checkov run; they still need
    a reason (test above) but this scan never runs those checks.
    """
    reported = {(s.check, s.reason) for s in template_scan.suppressions + packer_scan.suppressions}
    for where, check, reason in suppressions_in_tree():
        if check in POLICY_OF_CHECK:
            assert (check, reason) in reported, f"{where}: suppression of {check} not reported"
