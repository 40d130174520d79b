"""The shapes that used to pass unread: each fixture flags exactly the expected resources.

Static scanning never passes what it could not read: a value it cannot resolve is an unknown,
a block terraform never creates is not reported, and file()/templatefile() documents and
partition-aware principals are read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.policy import ScanResult

pytestmark = pytest.mark.policy

SHAPES = Path(__file__).parent / "fixtures" / "shapes"
# fixture -> {(outcome, policy, resource)}: the exact set, findings and unknowns alike.
EXPECTED: dict[str, set[tuple[str, str, str]]] = {
    "count-zero": set(),
    "dynamic-empty": {
        ("fail", "IMDS-01", "aws_launch_template.this"),
        ("fail", "IMDS-02", "aws_launch_template.this"),
    },
    "file-trust": {("fail", "CRED-01", "aws_iam_role.this")},
    "module-input-null": {("unknown", "IMDS-01", "module.lt.aws_launch_template.this")},
    "partition-principal": {("fail", "CRED-01", "aws_iam_role.this")},
    "root-volume-omitted": {("fail", "EBS-01", "aws_instance.this")},
    "templatefile-star": {
        ("unknown", "IAM-01", "aws_iam_policy.this"),
        ("unknown", "IAM-02", "aws_iam_policy.this"),
    },
    "variable-no-default": {("unknown", "IMDS-01", "aws_launch_template.this")},
}


def flagged(result: ScanResult, name: str) -> set[tuple[str, str, str]]:
    """(outcome, policy, resource) of every finding and unknown under fixtures/shapes/<name>."""
    root = (SHAPES / name).resolve()
    return {
        (f.outcome, f.policy, f.resource)
        for f in result.findings + result.unknowns
        if root in Path(f.file).resolve().parents
    }


def test_policy_shapes_every_fixture_is_expected() -> None:
    """Each directory under fixtures/shapes has its expected set (and nothing is left out)."""
    assert sorted(d.name for d in SHAPES.iterdir() if d.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_policy_shape_flags_exactly(fixture_scan: ScanResult, name: str) -> None:
    """The fixture flags exactly its expected resources, as failures or as unknowns."""
    assert flagged(fixture_scan, name) == EXPECTED[name]


def test_policy_shapes_unknown_is_never_a_pass(fixture_scan: ScanResult) -> None:
    """Unknowns make the scan incomplete, and --strict turns them into findings."""
    assert fixture_scan.unknowns
    assert fixture_scan.incomplete
    strict = fixture_scan.strict()
    assert not strict.unknowns
    assert len(strict.findings) == len(fixture_scan.findings) + len(fixture_scan.unknowns)
