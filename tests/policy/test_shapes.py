"""The shapes that used to pass unread: each fixture flags exactly the expected resources.

Static scanning never passes what it could not read: a value it cannot resolve is an unknown
(ports from a module's map are never read as 0-65535), a block terraform never creates is not
reported nor counted as evidence for another (a count = 0 flow log leaves its VPC without one;
an unresolved count makes the verdict unknown), file()/templatefile() documents are read and
judged by the same checks, partition-aware principals are understood, a bucket encrypted and
guarded through module outputs passes, every public access flag is read, and a bucket without
ownership controls keeps its ACLs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.policy import ScanResult

pytestmark = pytest.mark.policy

SHAPES = Path(__file__).parent / "fixtures" / "shapes"
# fixture -> {(outcome, policy, resource)}: the exact set, findings and unknowns alike.
EXPECTED: dict[str, set[tuple[str, str, str]]] = {
    "apply-time-document": {
        ("fail", "CRED-01", "aws_iam_role.this"),
        ("fail", "S3-01", "aws_s3_bucket.b"),
    },
    "count-zero": set(),
    "dynamic-empty": {
        ("fail", "IMDS-01", "aws_launch_template.this"),
        ("fail", "IMDS-02", "aws_launch_template.this"),
    },
    "evidence-count-unresolved": {
        ("unknown", "CRED-01", "aws_iam_role.api"),
        ("unknown", "CRED-02", "aws_iam_role.api"),
        ("unknown", "IAM-03", "aws_iam_role.api"),
        ("unknown", "NET-01", "aws_vpc_security_group_ingress_rule.https"),
        ("unknown", "NET-03", "aws_vpc_security_group_ingress_rule.endpoints_https"),
        ("unknown", "NET-05", "aws_vpc.this"),
    },
    "evidence-never-created": {
        ("fail", "CRED-02", "aws_iam_role.api"),
        ("fail", "NET-01", "aws_vpc_security_group_ingress_rule.https"),
        ("fail", "NET-05", "aws_vpc.this"),
    },
    "file-trust": {("fail", "CRED-01", "aws_iam_role.this")},
    "module-bucket": set(),
    "module-count-zero": {("fail", "NET-05", "aws_vpc.this")},
    "module-input-null": {("unknown", "IMDS-01", "module.lt.aws_launch_template.this")},
    "ownership-controls": {
        ("fail", "S3-01", "module.without.aws_s3_bucket.this"),
        ("fail", "S3-01", "module.writer.aws_s3_bucket.this"),
        ("fail", "S3-01", "module.writer.aws_s3_bucket_ownership_controls.this[0]"),
        ("unknown", "S3-01", "module.from_input.aws_s3_bucket.this"),
        ("unknown", "S3-01", "module.maybe.aws_s3_bucket.this"),
    },
    "partition-principal": {("fail", "CRED-01", "aws_iam_role.this")},
    "public-access-flags": {
        ("fail", "S3-01", "module.ignored.aws_s3_bucket.this"),
        ("fail", "S3-01", "module.unrestricted.aws_s3_bucket.this"),
        ("unknown", "S3-01", "module.from_input.aws_s3_bucket.this"),
    },
    "ports-module-map": {
        ("unknown", "NET-01", "module.sg.aws_security_group_rule.this"),
        ("unknown", "NET-02", "module.sg.aws_security_group_rule.this"),
        ("unknown", "NET-03", "module.sg.aws_security_group_rule.this"),
    },
    "root-volume-omitted": {("fail", "EBS-01", "aws_instance.this")},
    "templatefile-star": {
        ("fail", "IAM-01", "aws_iam_policy.this"),
        ("fail", "IAM-02", "aws_iam_policy.this"),
        ("fail", "IAM-03", "aws_iam_policy.this"),
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


def test_policy_shapes_ports_are_never_the_widest_reading(fixture_scan: ScanResult) -> None:
    """Unresolved ports say so: no message claims 0-65535 or Redis 6379 open."""
    root = (SHAPES / "ports-module-map").resolve()
    messages = [
        f.message
        for f in fixture_scan.findings + fixture_scan.unknowns
        if root in Path(f.file).resolve().parents
    ]
    assert messages
    assert not [m for m in messages if "65535" in m or "6379 open" in m]
