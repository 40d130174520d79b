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
