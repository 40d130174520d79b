"""S3-01 (public access block, ACLs disabled, encryption, TLS-only bucket policy), EC-01 (Redis
as an encrypted replication group), EBS-01."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tpl_base import TplCheck  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_graph import Graph  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_iamdoc import Statement, after_apply, policy_statements  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_values import blocks, first, present_blocks, truthy, unknown, unresolved  # type: ignore[import-not-found]  # on sys.path in checkov


def _denies_plain_http(st: Statement) -> bool:
    """A Deny of every S3 action to everyone when aws:SecureTransport is false."""
    if st.effect.lower() != "deny":
        return False
    if not any(a in ("*", "s3:*") for a in st.actions):
        return False
    if st.principals and "*" not in st.principals:
        return False
    values = st.condition("Bool", "aws:SecureTransport") or st.condition(
        "BoolIfExists", "aws:SecureTransport"
    )
    return any(v.lower() == "false" for v in values)


class S3TlsOnly(TplCheck):
    """Every bucket has a bucket policy that denies requests made without TLS."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_S3_TLS_ONLY",
            "S3 bucket policy denies requests without TLS (aws:SecureTransport = false)",
            ("aws_s3_bucket",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail unless a policy on this bucket denies aws:SecureTransport = false."""
        statements = []
        doubts: list[str] = []
        for bucket in graph.find(conf):
            statements.extend(policy_statements(graph, bucket, "policy"))
            for policy in graph.users(bucket, "aws_s3_bucket_policy", "bucket"):
                doubt = after_apply(graph, policy, "policy")
                maybe = graph.doubt(policy)
                if doubt:
                    doubts.append(unknown(doubt))
                elif maybe and any(
                    _denies_plain_http(st) for st in policy_statements(graph, policy, "policy")
                ):
                    doubts.append(unknown(maybe))
                else:
                    statements.extend(policy_statements(graph, policy, "policy"))
        if any(_denies_plain_http(st) for st in statements):
            return []
        if doubts:  # a policy known only after apply, or maybe never created, may hold the Deny
            return doubts
        return [
            "no bucket policy denying s3:* to * when aws:SecureTransport is false "
            "(add an aws_s3_bucket_policy with that Deny)"
        ]


PUBLIC_ACCESS_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)


class S3PublicAccessBlock(TplCheck):
    """Every bucket has a public access block whose four flags are literally true.

    CKV2_AWS_6 reads only block_public_acls and block_public_policy: a block that turns
    ignore_public_acls or restrict_public_buckets off (public ACLs and public policies take
    effect again) passes it.
    """

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_S3_PUBLIC_ACCESS",
            "S3 bucket public access block sets all four flags to true",
            ("aws_s3_bucket",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail a bucket without a public access block, or whose block sets a flag to false or
        leaves it out; a flag (or the block's count) that cannot be read is unknown."""
        return _bucket_companion_verdict(
            graph,
            conf,
            "aws_s3_bucket_public_access_block",
            _public_access_problems,
            "no aws_s3_bucket_public_access_block (all four flags true) for this bucket",
        )


def _bucket_companion_verdict(
    graph: Graph,
    conf: dict[str, Any],
    companion: str,
    check: Callable[[Graph, Any], tuple[list[str], list[str]]],
    missing: str,
) -> list[str]:
    """A bucket's verdict from the `companion` resources that name it (public access block,
    ownership controls): any wrong one fails; one certainly created and right passes; else
    what could not be read (a value, or a count) is unknown; none at all fails with `missing`.
    """
    problems: list[str] = []
    doubts: list[str] = []
    complete = False
    for bucket in graph.find(conf):
        for resource in graph.users(bucket, companion, "bucket"):
            wrong, unread = check(graph, resource)
            maybe = graph.doubt(resource)
            problems.extend(wrong)
            if maybe and not wrong:
                doubts.append(unknown(maybe))
            doubts.extend(unread)
            complete = complete or not (wrong or unread or maybe)
    if problems:
        return problems
    if complete:
        return []
    if doubts:
        return doubts
    return [missing]


def _public_access_problems(graph: Graph, block: Any) -> tuple[list[str], list[str]]:
    """The flags of a public access block that are not true, and those that cannot be read."""
    wrong: list[str] = []
    unread: list[str] = []
    for flag in PUBLIC_ACCESS_FLAGS:
        value = first(block.config, flag)
        if graph.unknown_after_apply(block, flag):
            unread.append(unknown(f"{block.address} {flag} is known only after apply"))
        elif truthy(value):
            continue
        elif value is None:
            wrong.append(f"{block.address}: {flag} is not set (it defaults to false)")
        elif unresolved(value):
            unread.append(unknown(f"{block.address} {flag} = {str(value)[:80]} could not be read"))
        else:
            wrong.append(f"{block.address}: {flag} = {str(value).lower()} (must be true)")
    return wrong, unread


ENFORCED = "BucketOwnerEnforced"


class S3OwnershipEnforced(TplCheck):
    """Every bucket has ownership controls with object_ownership = BucketOwnerEnforced.

    CKV2_AWS_65 reads only aws_s3_bucket_ownership_controls blocks: a bucket with none at all
    (ACLs still honoured) passes it.
    """

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_S3_OWNERSHIP",
            "S3 bucket ownership controls disable ACLs (BucketOwnerEnforced)",
            ("aws_s3_bucket",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail a bucket without ownership controls, or whose controls leave ACLs on; a value
        (or the controls' count) that cannot be read is unknown."""
        return _bucket_companion_verdict(
            graph,
            conf,
            "aws_s3_bucket_ownership_controls",
            _ownership_problems,
            f"no aws_s3_bucket_ownership_controls (object_ownership = {ENFORCED}) for this "
            "bucket: ACLs stay enabled",
        )


def _ownership_problems(graph: Graph, controls: Any) -> tuple[list[str], list[str]]:
    """What in ownership controls leaves ACLs on, and what cannot be read."""
    rules, why = present_blocks(controls.config, "rule")
    if why:
        return [], [unknown(f"{controls.address}: {why}")]
    if not rules:
        return [f"{controls.address}: no rule (object_ownership = {ENFORCED})"], []
    wrong: list[str] = []
    unread: list[str] = []
    for index, rule in enumerate(rules):
        value = first(rule, "object_ownership")
        if "object_ownership" in graph.unknown_in_block(controls, "rule", index):
            unread.append(unknown(f"{controls.address} object_ownership is known only after apply"))
        elif value == ENFORCED:
            continue
        elif unresolved(value):
            shown = str(value)[:80]
            unread.append(
                unknown(f"{controls.address} object_ownership = {shown} could not be read")
            )
        else:
            wrong.append(f"{controls.address}: object_ownership = {value} (must be {ENFORCED})")
    return wrong, unread


SSE_ALGORITHMS = ("aws:kms", "aws:kms:dsse", "AES256")


class S3DefaultEncryption(TplCheck):
    """Every bucket declares default encryption (SSE-KMS, or SSE-S3 where AWS requires it).

    CKV_AWS_145 insists on KMS, but ALB access logs can only be delivered to SSE-S3 buckets;
    what the catalogue asks is that encryption is declared, not left to the account default.
    """

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_S3_SSE",
            "S3 bucket declares default encryption (aws:kms or AES256)",
            ("aws_s3_bucket",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail a bucket with no (or an unknown) default encryption algorithm."""
        algorithms = []
        doubts = []
        for legacy in blocks(conf, "server_side_encryption_configuration"):
            algorithms.extend(_algorithms(legacy))
        for bucket in graph.find(conf):
            for sse in graph.users(
                bucket, "aws_s3_bucket_server_side_encryption_configuration", "bucket"
            ):
                maybe = graph.doubt(sse)
                if maybe:
                    doubts.append(unknown(maybe))
                else:
                    algorithms.extend(_algorithms(sse.config))
        if not algorithms and doubts:
            return doubts
        if not algorithms:
            return ["no server-side encryption configuration (aws:kms, or AES256 for log buckets)"]
        wrong = [a for a in algorithms if a not in SSE_ALGORITHMS and not _expression(a)]
        return [f"unknown sse_algorithm {a}" for a in wrong]


def _algorithms(config: dict[str, Any]) -> list[str]:
    return [
        str(first(default, "sse_algorithm"))
        for rule in blocks(config, "rule")
        for default in blocks(rule, "apply_server_side_encryption_by_default")
    ]


def _expression(value: str) -> bool:
    """An unrendered expression (e.g. `var.sse_algorithm`): terraform validates those."""
    return "var." in value or "${" in value or "local." in value


class RedisReplicationGroup(TplCheck):
    """A standalone Redis cluster cannot encrypt in transit nor carry an auth token."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_EC_REPLICATION_GROUP",
            "Redis runs as a replication group (encryption and auth need one)",
            ("aws_elasticache_cluster",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail a Redis cluster that is not a member of a replication group."""
        if first(conf, "replication_group_id"):
            return []
        engine = str(first(conf, "engine", "redis")).lower()
        if engine not in ("redis", "valkey"):
            return []
        return [
            f"standalone {engine} cluster: use aws_elasticache_replication_group with "
            "at_rest_encryption_enabled, transit_encryption_enabled and auth_token"
        ]


class LaunchTemplateEbsEncrypted(TplCheck):
    """Every volume a launch template declares is encrypted, and it declares at least one."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_EBS_ENCRYPTED",
            "Launch template volumes are encrypted",
            ("aws_launch_template",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail a mapping without ebs.encrypted = true, or a template with no mapping."""
        mappings = blocks(conf, "block_device_mappings")
        if not mappings:
            return ["no block_device_mappings: declare the root volume with encrypted = true"]
        problems = []
        for mapping in mappings:
            device = first(mapping, "device_name", "?")
            if first(mapping, "no_device") or first(mapping, "virtual_name"):
                continue
            ebs = blocks(mapping, "ebs")
            if not ebs or not truthy(ebs[0].get("encrypted")):
                problems.append(f"block_device_mappings {device}: ebs.encrypted is not true")
        return problems


public_access = S3PublicAccessBlock()
ownership = S3OwnershipEnforced()
tls_only = S3TlsOnly()
sse = S3DefaultEncryption()
replication_group = RedisReplicationGroup()
ebs_encrypted = LaunchTemplateEbsEncrypted()
