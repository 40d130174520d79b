"""IAM-03: iam:PassRole scoped to named roles and EC2; instance roles only read S3."""

from __future__ import annotations

from typing import Any

from tpl_base import TplCheck, TplDataCheck  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_graph import Graph  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_iamdoc import (  # type: ignore[import-not-found]  # on sys.path in checkov
    Statement,
    action_matches,
    after_apply,
    policy_statements,
    role_policies,
    role_trusts_service,
    statements_of_document_data,
    statements_of_json,
)
from tpl_values import blocks, first, unknown  # type: ignore[import-not-found]  # on sys.path in checkov

S3_READ_PREFIXES = ("s3:get", "s3:list")
# Object writes an application may need on its own data (e.g. the picture bucket).
S3_OBJECT_WRITES = ("s3:putobject", "s3:deleteobject", "s3:abortmultipartupload")
# Buckets an instance boots from: writing there lets one host rewrite every other host.
FEEDING_BUCKETS = ("release", "configuration", "config", "keys", "state", "tfstate")


def _grants_passrole(st: Statement) -> bool:
    return st.effect.lower() == "allow" and any(
        action_matches(a, "iam:PassRole") for a in st.actions
    )


def passrole_problems(statements: list[Statement]) -> list[str]:
    """What is wrong with the iam:PassRole grants among `statements`."""
    problems = []
    for st in statements:
        if not _grants_passrole(st):
            continue
        wide = [r for r in st.resources if r == "*" or r.endswith(":role/*") or r.endswith("/*")]
        if not wide and "resources" in st.unresolved:
            problems.append(unknown("iam:PassRole on resources known only after apply"))
        elif wide or not st.resources:
            problems.append(f"iam:PassRole on {wide or 'no resource'}: name the build role")
        services = st.condition("StringEquals", "iam:PassedToService")
        if services != ["ec2.amazonaws.com"]:
            problems.append(
                'iam:PassRole without StringEquals iam:PassedToService = "ec2.amazonaws.com"'
            )
    return problems


class PassRoleScoped(TplCheck):
    """Policies written inline (jsonencode or heredoc) scope iam:PassRole."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_IAM_PASSROLE",
            "iam:PassRole only on named roles and only to EC2",
            (
                "aws_iam_policy",
                "aws_iam_role_policy",
                "aws_iam_user_policy",
                "aws_iam_group_policy",
                "aws_iam_role",
            ),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Check the JSON documents this resource carries (data documents check themselves)."""
        if type_ == "aws_iam_role":
            # terraform computes inline_policy when none is written (it reads the role's
            # policies back): only a written block known after apply is unread.
            doubts = [
                d for v in graph.find(conf) for d in [after_apply(graph, v, "inline_policy")] if d
            ]
            if doubts and blocks(conf, "inline_policy"):
                return [unknown(d) for d in doubts]
            statements = [
                st
                for b in blocks(conf, "inline_policy")
                for st in statements_of_json(b.get("policy"))
            ]
        else:
            # A document terraform knows only after apply is not in the plan: unknown.
            doubts = [d for v in graph.find(conf) for d in [after_apply(graph, v, "policy")] if d]
            if doubts:
                return [unknown(d) for d in doubts]
            # JSON written inline, or read from file()/templatefile() as terraform would.
            statements = statements_of_json(first(conf, "policy")) or [
                st
                for vertex in graph.find(conf)
                for st in policy_statements(graph, vertex, "policy")
                if not graph.targets(vertex, "policy")
            ]
        return passrole_problems(statements)


class PassRoleScopedDocument(TplDataCheck):
    """The aws_iam_policy_document twin of PassRoleScoped."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_IAM_PASSROLE",
            "iam:PassRole only on named roles and only to EC2",
            ("aws_iam_policy_document",),
        )

    def evaluate(self, conf: dict[str, Any]) -> list[str]:
        """Check the document's statements."""
        return passrole_problems(statements_of_document_data(conf))


class InstanceRoleS3ReadOnly(TplCheck):
    """An EC2 role reads named buckets; it writes objects only in its own data buckets.

    It never changes bucket configuration, ACLs or policies, and never writes the release,
    configuration or key buckets the instances boot from.
    """

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_IAM_S3_READ_ONLY",
            "EC2 instance roles only read S3, on named buckets",
            ("aws_iam_role",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail S3 write actions or bucket-wide wildcards granted to an EC2 role."""
        problems: list[str] = []
        for role in graph.find(conf):
            # (A trust policy static scanning cannot read is CRED-01's unknown on this role.)
            doubt = after_apply(graph, role, "assume_role_policy")
            if doubt:
                problems.append(unknown(f"trust policy: {doubt}"))
                continue
            if not role_trusts_service(graph, role, "ec2.amazonaws.com"):
                continue
            for policy in role_policies(graph, role):
                if policy.unknown:
                    problems.append(unknown(policy.unknown))
                for st in policy.statements:
                    if st.effect.lower() != "allow":
                        continue
                    s3 = [a for a in st.actions if a.lower().startswith("s3:") or a == "*"]
                    if not s3:
                        continue
                    writes = [a for a in s3 if not a.lower().startswith(S3_READ_PREFIXES)]
                    bucket_level = [a for a in writes if a.lower() not in S3_OBJECT_WRITES]
                    if bucket_level:
                        problems.append(
                            f"{policy.source}: S3 actions beyond reading and object writes: "
                            + ", ".join(bucket_level)
                        )
                    feeding = [
                        r for r in st.resources if any(w in r.lower() for w in FEEDING_BUCKETS)
                    ]
                    if writes and "resources" in st.unresolved:
                        problems.append(
                            unknown(
                                f"{policy.source}: S3 writes ({', '.join(writes)}) on resources "
                                "known only after apply"
                            )
                        )
                    if writes and feeding:
                        problems.append(
                            f"{policy.source}: S3 writes ({', '.join(writes)}) on buckets the "
                            f"instances boot from: {', '.join(feeding)}"
                        )
                    wide = [r for r in st.resources if r in ("*", "arn:aws:s3:::*")]
                    if wide:
                        problems.append(f"{policy.source}: S3 on every bucket ({', '.join(wide)})")
        return sorted(set(problems))


passrole = PassRoleScoped()
passrole_document = PassRoleScopedDocument()
s3_read_only = InstanceRoleS3ReadOnly()
