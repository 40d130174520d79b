"""Every catalogue policy fails on its known-bad fixture, and near-misses pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.paths import REPO_ROOT
from harness.policy import CATALOGUE, Finding, ScanResult
from harness.policy.catalogue import POLICY_OF_CHECK
from harness.policy.checkov import CENSUS_ID, checkov_document, reported_check_ids

pytestmark = pytest.mark.policy

FIXTURES = Path(__file__).parent / "fixtures"
POLICY_IDS = [p.id for p in CATALOGUE]
GOOD = sorted(d.name for d in (FIXTURES / "good").iterdir() if d.is_dir())
# Bad fixtures that cannot fail alone: the other policy is implied by the same mistake.
ALSO_FAILS = {
    "IAM-02": {"IAM-01"},  # cloudsplaining only flags escalation on Resource "*"
    "NET-02": {"NET-01"},  # CKV_AWS_24 misreads a rule whose source is a security group
    "NET-03": {"NET-02"},  # every protocol from a CIDR includes SSH from that CIDR
}
ORIGINAL_MUST_FAIL = ("IMDS-01", "CRED-01", "NET-03", "S3-01", "ALB-01", "EC-01")


def findings_under(result: ScanResult, relative: str) -> list[Finding]:
    """The findings whose file lies under fixtures/<relative>/."""
    root = (FIXTURES / relative).resolve()
    return [f for f in result.findings if root in Path(f.file).resolve().parents]


def test_catalogue_checks_map_to_one_policy() -> None:
    """Each check id reports for exactly one policy, and the ids are unique."""
    ids = [c for p in CATALOGUE for c in p.checks]
    assert len(ids) == len(set(ids)), "a check id appears under two policies"
    assert set(POLICY_OF_CHECK) == set(ids)
    assert all(p.checks for p in CATALOGUE), "a policy without any check"


@pytest.mark.parametrize("policy", POLICY_IDS)
def test_catalogue_policy_has_bad_fixture(policy: str) -> None:
    """tests/policy/fixtures/bad/<ID>/ exists and holds HCL."""
    files = list((FIXTURES / "bad" / policy).glob("*.tf")) + list(
        (FIXTURES / "bad" / policy).glob("*.pkr.hcl")
    )
    assert files, f"no known-bad fixture for {policy} under fixtures/bad/{policy}/"


@pytest.mark.parametrize("policy", POLICY_IDS)
def test_policy_bad_fixture_fails(fixture_scan: ScanResult, policy: str) -> None:
    """The known-bad fixture makes its policy fail."""
    found = {f.policy for f in findings_under(fixture_scan, f"bad/{policy}")}
    assert policy in found, f"fixtures/bad/{policy} did not fail {policy} (found {sorted(found)})"


@pytest.mark.parametrize("policy", POLICY_IDS)
def test_policy_bad_fixture_fails_only_its_policy(fixture_scan: ScanResult, policy: str) -> None:
    """The known-bad fixture fails no other policy than its own (and a declared companion)."""
    found = {f.policy for f in findings_under(fixture_scan, f"bad/{policy}")}
    extra = found - {policy} - ALSO_FAILS.get(policy, set())
    assert not extra, f"fixtures/bad/{policy} also fails {sorted(extra)}"


@pytest.mark.parametrize("name", GOOD)
def test_policy_good_fixture_passes(fixture_scan: ScanResult, name: str) -> None:
    """Near-miss fixtures (hop limit 1, SSH from the bastion SG, ...) pass every policy."""
    found = findings_under(fixture_scan, f"good/{name}")
    assert not found, "\n".join(f"{f.where} {f.policy} {f.resource}: {f.message}" for f in found)


@pytest.mark.parametrize("policy", ORIGINAL_MUST_FAIL)
def test_policy_original_shape_fails(fixture_scan: ScanResult, policy: str) -> None:
    """A template shaped like the original is refused for its known weak spots."""
    found = {f.policy for f in findings_under(fixture_scan, "original-shape")}
    assert policy in found, f"original-shape passed {policy}"


@pytest.mark.parametrize("role", ["no_guard", "vpc_deny_only", "no_null_guard", "no_service_guard"])
def test_policy_cred01_catches_every_attachment_style(fixture_scan: ScanResult, role: str) -> None:
    """Guards missing from inline, heredoc, document and attached policies are all caught."""
    flagged = {
        f.resource for f in findings_under(fixture_scan, "bad/CRED-01") if f.policy == "CRED-01"
    }
    assert f"aws_iam_role.{role}" in flagged


@pytest.mark.parametrize(
    ("resource", "policy"),
    [
        ("aws_launch_template.hop_limit_omitted", "IMDS-02"),
        ("aws_launch_template.hop_limit_two", "IMDS-02"),
        ("source.amazon-ebs.elixir", "IMDS-02"),
        ("build.api.source.amazon-ebs.debian", "IMDS-02"),
        ("source.amazon-ebs.common", "IMDS-01"),
        ("aws_elasticache_cluster.redis", "EC-01"),
        ("aws_launch_template.no_volumes", "EBS-01"),
        ("aws_security_group.cluster", "NET-03"),
        ("aws_network_acl.allow_all", "NET-03"),
        ("aws_security_group_rule.bastion_ssh", "NET-02"),
        ("aws_s3_bucket.acls_honoured", "S3-01"),
        ("aws_s3_bucket.no_ownership_controls", "S3-01"),
    ],
)
def test_policy_bad_fixture_flags_resource(
    fixture_scan: ScanResult, resource: str, policy: str
) -> None:
    """Specific near-miss resources inside the bad fixtures are each flagged."""
    flagged = {(f.resource, f.policy) for f in fixture_scan.findings}
    assert (resource, policy) in flagged


# Shapes harness/rules.py used to catch beside the catalogue (IMDS-01, S3-01, NET-03); the
# catalogue owns those rules now, and each shape is flagged by the named check.
@pytest.mark.parametrize(
    ("resource", "check"),
    [
        ("aws_launch_template.tokens_optional", "CKV_AWS_79"),
        ("aws_instance.tokens_omitted", "CKV_AWS_79"),
        ("aws_s3_bucket.pictures", "CKV_TPL_S3_SSE"),
        ("aws_s3_bucket.pictures", "CKV2_AWS_6"),
        ("aws_s3_bucket.uploads", "CKV_TPL_S3_SSE"),
        ("aws_security_group.cluster", "CKV_TPL_NET_SG_SOURCES"),
        ("aws_vpc_security_group_ingress_rule.queue_from_vpc", "CKV_TPL_NET_SG_SOURCES"),
        ("aws_security_group_rule.queue_from_workers", "CKV_TPL_NET_SG_SOURCES"),
        ("aws_security_group.workers", "CKV_TPL_NET_SG_SOURCES"),
        ("aws_security_group_rule.queue_egress", "CKV_TPL_NET_SG_SOURCES"),
        ("aws_vpc_security_group_egress_rule.queue_to_workers", "CKV_TPL_NET_SG_SOURCES"),
    ],
)
def test_policy_catches_what_rules_py_caught(
    fixture_scan: ScanResult, resource: str, check: str
) -> None:
    """Every shape of IMDS-01, S3-01 and NET-03 that harness/rules.py caught, the catalogue does."""
    flagged = {(f.resource, f.check) for f in fixture_scan.findings}
    assert (resource, check) in flagged, f"{check} did not flag {resource}"


@pytest.mark.parametrize(
    ("resource", "problem"),
    [
        ("aws_security_group.workers", "ingress block 1: every protocol from security groups"),
        ("aws_security_group.workers", "egress block 1: egress on every protocol"),
        ("aws_security_group_rule.queue_from_workers", "every protocol from security groups"),
        ("aws_security_group_rule.queue_egress", "egress on every protocol"),
        ("aws_vpc_security_group_egress_rule.queue_to_workers", "egress on every protocol"),
    ],
)
def test_policy_net03_flags_every_all_protocol_rule(
    fixture_scan: ScanResult, resource: str, problem: str
) -> None:
    """NET-03 refuses every-protocol security group rules from groups and in egress too."""
    messages = [
        f.message
        for f in fixture_scan.findings
        if f.resource == resource and f.check == "CKV_TPL_NET_SG_SOURCES"
    ]
    assert any(problem in m for m in messages), messages


def test_policy_fixture_scan_runs_only_catalogue_checks() -> None:
    """No check outside the catalogue reports (the run is restricted with --check).

    Read from checkov's own report: mapping a finding to its policy raises on a check outside
    the catalogue, so a test of the mapped findings would never get to say which check it was.
    """
    reported = reported_check_ids(checkov_document(FIXTURES))
    assert reported, "checkov reported no check at all on the fixtures"
    outside = sorted(reported - set(POLICY_OF_CHECK) - {CENSUS_ID})
    assert not outside, (
        f"checkov ran checks outside the policy catalogue: {', '.join(outside)}; add each to a "
        "policy in harness/policy/catalogue.py or keep it out of checkov_check_ids()"
    )


def test_catalogue_readme_table_is_current() -> None:
    """README's policy table is the catalogue's (regenerate with report.markdown_catalogue)."""
    from harness.policy.report import markdown_catalogue

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_catalogue() in readme, "README.md policy table is out of date"
