"""The policy catalogue (DESIGN section 5) as data: it drives the scan, the mapping and the docs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    """One catalogue row: what must hold, why, and the checks that prove it."""

    id: str
    what: str
    why: str
    builtin: tuple[str, ...] = ()
    custom: tuple[str, ...] = ()
    harness: tuple[str, ...] = ()

    @property
    def checks(self) -> tuple[str, ...]:
        """Every check id that reports for this policy."""
        return self.builtin + self.custom + self.harness


CATALOGUE: tuple[Policy, ...] = (
    Policy(
        "IMDS-01",
        'metadata_options.http_tokens = "required" on every launch template, '
        "instance, launch configuration and Packer amazon-ebs source",
        "IMDSv1 hands the role's credentials to any SSRF or local process",
        builtin=("CKV_AWS_79",),
        custom=("CKV_TPL_IMDS_TOKENS",),
        harness=("HARNESS_PKR_IMDS_TOKENS",),
    ),
    Policy(
        "IMDS-02",
        "http_put_response_hop_limit set explicitly to 1 (omitted fails)",
        "a hop limit above 1 lets containers and forwarded hops reach the metadata service",
        custom=("CKV_TPL_IMDS_HOP_LIMIT",),
        harness=("HARNESS_PKR_IMDS_HOP_LIMIT",),
    ),
    Policy(
        "CRED-01",
        "every role assumable by ec2.amazonaws.com carries the two Deny statements "
        "(aws:ec2InstanceSourceVPC vs aws:SourceVpc, aws:ec2InstanceSourcePrivateIPv4 vs "
        "aws:VpcSourceIp), each guarded by Null ec2:SourceInstanceARN = false and "
        "BoolIfExists aws:ViaAWSService = false",
        "stolen instance credentials become useless outside the VPC",
        custom=("CKV_TPL_CRED_SOURCE_DENY",),
    ),
    Policy(
        "CRED-02",
        "every AWS service an instance role is granted has a VPC endpoint in the same "
        "configuration (S3 gateway, interface endpoints for the rest)",
        "without the endpoint CRED-01's Deny would lock the instances out of the service",
        custom=("CKV_TPL_CRED_ENDPOINTS",),
    ),
    Policy(
        "IAM-01",
        'no "*" or "service:*" actions; no Resource "*" on actions that accept a resource',
        "least privilege: a wildcard grants what nobody reviewed",
        builtin=(
            "CKV_AWS_62",
            "CKV_AWS_63",
            "CKV_AWS_1",
            "CKV_AWS_49",
            "CKV_AWS_355",
            "CKV_AWS_356",
        ),
    ),
    Policy(
        "IAM-02",
        "no privilege escalation, credential exposure, data exfiltration or unconstrained write",
        "these grants turn one compromised host into a compromised account",
        # 286-290 judge aws_iam_policy & co; 107-111 the same on aws_iam_policy_document.
        builtin=(
            "CKV_AWS_286",
            "CKV_AWS_287",
            "CKV_AWS_288",
            "CKV_AWS_289",
            "CKV_AWS_290",
            "CKV_AWS_107",
            "CKV_AWS_108",
            "CKV_AWS_109",
            "CKV_AWS_110",
            "CKV_AWS_111",
        ),
    ),
    Policy(
        "IAM-03",
        "iam:PassRole only on named roles with iam:PassedToService = ec2.amazonaws.com; "
        "instance roles read S3 on named buckets/prefixes, write objects only in their own "
        "data buckets, never bucket settings nor the release/configuration/key buckets",
        "PassRole on * is privilege escalation; instances must not rewrite their own releases",
        custom=("CKV_TPL_IAM_PASSROLE", "CKV_TPL_IAM_S3_READ_ONLY"),
    ),
    Policy(
        "NET-01",
        "no ingress from 0.0.0.0/0 or ::/0 except to a load balancer's security group on 80/443",
        "only the ALB faces the internet",
        builtin=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"),
        custom=("CKV_TPL_NET_WORLD_INGRESS",),
    ),
    Policy(
        "NET-02",
        "SSH to the bastion only from a CIDR variable; SSH to anything else only from the "
        "bastion security group",
        "one audited way in for people",
        custom=("CKV_TPL_NET_SSH_SOURCES",),
    ),
    Policy(
        "NET-03",
        "no security-group rule opens every protocol (ingress from a CIDR or a group, egress "
        "to anywhere) and no network-ACL allow-all from a CIDR; ingress from inside the VPC "
        "references security groups, not CIDRs",
        "a CIDR inside the VPC trusts every host that ever lands in it",
        custom=("CKV_TPL_NET_SG_SOURCES",),
    ),
    Policy(
        "NET-04",
        "private subnets and non-bastion launch templates and instances give no public IP",
        "a public address bypasses the ALB and the bastion",
        builtin=("CKV_AWS_130", "CKV_AWS_88"),
        custom=("CKV_TPL_NET_NO_PUBLIC_IP",),
    ),
    Policy(
        "NET-05",
        "the default security group is locked; VPC flow logs are on",
        "nothing lands in an open default group; traffic is auditable",
        builtin=("CKV2_AWS_12", "CKV2_AWS_11"),
    ),
    Policy(
        "ALB-01",
        "listeners use HTTPS with a TLS 1.2+ policy and an ACM certificate; port 80 only "
        "redirects to 443",
        "no plain-text or outdated TLS on the public edge",
        builtin=("CKV_AWS_2", "CKV_AWS_103", "CKV2_AWS_20"),
    ),
    Policy(
        "ALB-02",
        "load balancers drop invalid headers, mitigate desync and write access logs",
        "request smuggling and unaudited traffic",
        builtin=("CKV_AWS_131", "CKV_AWS_328", "CKV_AWS_91"),
    ),
    Policy(
        "S3-01",
        "buckets block public access (all four), encrypt by default, disable ACLs and deny "
        "requests without TLS",
        "releases, configuration and keys live in these buckets",
        # CKV_AWS_145 wants KMS; CKV_TPL_S3_SSE wants encryption declared at all (ALB access
        # log buckets can only be SSE-S3, so they suppress CKV_AWS_145 with that reason).
        builtin=("CKV2_AWS_6", "CKV_AWS_145", "CKV2_AWS_65"),
        # CKV2_AWS_6 reads two of the four public access flags; CKV_TPL_S3_PUBLIC_ACCESS all four.
        # CKV2_AWS_65 reads only ownership controls there are; CKV_TPL_S3_OWNERSHIP wants them.
        custom=(
            "CKV_TPL_S3_PUBLIC_ACCESS",
            "CKV_TPL_S3_OWNERSHIP",
            "CKV_TPL_S3_SSE",
            "CKV_TPL_S3_TLS_ONLY",
        ),
    ),
    Policy(
        "EC-01",
        "Redis runs as a replication group encrypted at rest and in transit, with an auth token",
        "sessions and cache data cross the network and sit on disk",
        builtin=("CKV_AWS_29", "CKV_AWS_30", "CKV_AWS_31"),
        custom=("CKV_TPL_EC_REPLICATION_GROUP",),
    ),
    Policy(
        "EBS-01",
        "every launch template volume (and launch configuration disk) is encrypted",
        "snapshots and detached volumes must not leak data",
        builtin=("CKV_AWS_8",),
        custom=("CKV_TPL_EBS_ENCRYPTED",),
    ),
    Policy(
        "ASG-01",
        "autoscaling groups use launch templates",
        "launch configurations are deprecated and cannot require IMDSv2 hop limits",
        builtin=("CKV_AWS_315",),
    ),
)

BY_ID: dict[str, Policy] = {policy.id: policy for policy in CATALOGUE}
POLICY_OF_CHECK: dict[str, str] = {
    check: policy.id for policy in CATALOGUE for check in policy.checks
}


def checkov_check_ids() -> list[str]:
    """The check ids checkov runs: the catalogue's built-in and custom checks, nothing else."""
    return [check for policy in CATALOGUE for check in policy.builtin + policy.custom]


def policy_of(check_id: str) -> str:
    """The catalogue id a check reports for; an unknown check is a bug in the catalogue."""
    try:
        return POLICY_OF_CHECK[check_id]
    except KeyError:
        raise KeyError(f"check {check_id} is not in the policy catalogue") from None
