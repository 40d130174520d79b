"""CRED-01 (instance credentials useless outside the VPC) and CRED-02 (endpoints for them)."""

from __future__ import annotations

import re
from typing import Any

from tpl_base import TplCheck  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_graph import Graph, Vertex  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_iamdoc import Attached, Statement, role_policies, role_trusts_service, unreadable_document  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_values import UNKNOWN, as_list, first, unknown  # type: ignore[import-not-found]  # on sys.path in checkov

EC2 = "ec2.amazonaws.com"
# (context key compared, the request key it must equal)
SOURCE_PAIRS = (
    ("aws:ec2InstanceSourceVPC", "${aws:SourceVpc}"),
    ("aws:ec2InstanceSourcePrivateIPv4", "${aws:VpcSourceIp}"),
)
# Services reached by AWS-managed policies the template may attach.
MANAGED_SERVICES = {
    "AmazonSSMManagedInstanceCore": ("ssm", "ssmmessages", "ec2messages"),
    "CloudWatchAgentServerPolicy": ("monitoring", "logs", "ec2", "ssm"),
}
# IAM action prefix -> VPC endpoint service name, where they differ.
ENDPOINT_OF_PREFIX = {"cloudwatch": "monitoring", "ecr": "ecr.api"}


def _missing_guards(st: Statement, key: str, expected: str) -> list[str]:
    """What a Deny statement lacks to be CRED-01's statement for `key` (empty: complete)."""
    missing = []
    if st.effect.lower() != "deny":
        missing.append('Effect "Deny"')
    if "*" not in st.actions:
        missing.append('Action "*"')
    if st.resources and "*" not in st.resources:
        missing.append('Resource "*"')
    compared = st.condition("StringNotEquals", key) or st.condition("StringNotEqualsIfExists", key)
    if expected not in compared:
        missing.append(f'StringNotEquals {key} = "{expected}"')
    if "false" not in [v.lower() for v in st.condition("Null", "ec2:SourceInstanceARN")]:
        missing.append('Null ec2:SourceInstanceARN = "false"')
    if "false" not in [v.lower() for v in st.condition("BoolIfExists", "aws:ViaAWSService")]:
        missing.append('BoolIfExists aws:ViaAWSService = "false"')
    return missing


def _instance_roles(conf: dict[str, Any], graph: Graph) -> list[Vertex]:
    """The graph instances of this role, if EC2 may assume it."""
    return [role for role in graph.find(conf) if role_trusts_service(graph, role, EC2)]


class CredentialSourceDeny(TplCheck):
    """An EC2 role denies use of its credentials from outside the instance's VPC and address."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_CRED_SOURCE_DENY",
            "EC2 instance roles deny their credentials outside the instance's VPC and IP",
            ("aws_iam_role",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail a role trusted by EC2 that lacks either guarded Deny statement."""
        problems: list[str] = [
            unknown(f"trust policy: {doubt}")
            for role in graph.find(conf)
            for doubt in [unreadable_document(graph, role, "assume_role_policy")]
            if doubt
        ]
        for role in _instance_roles(conf, graph):
            policies = role_policies(graph, role)
            statements = [st for p in policies for st in p.statements]
            # A document known only after apply may hold the Deny: not a failure, an unknown.
            unread = [unknown(p.unknown) for p in policies if p.unknown]
            for key, expected in SOURCE_PAIRS:
                candidates = [_missing_guards(st, key, expected) for st in statements]
                if any(not missing for missing in candidates):
                    continue
                if unread:
                    problems.extend(unread)
                    continue
                near = [m for m in candidates if len(m) < 5]
                if near:
                    best = min(near, key=len)
                    problems.append(f"Deny on {key} lacks: " + "; ".join(best))
                else:
                    problems.append(
                        f'no Deny of "*" when {key} differs from {expected} '
                        "(guarded by Null ec2:SourceInstanceARN and BoolIfExists aws:ViaAWSService)"
                    )
        return sorted(set(problems))


def granted_services(policies: list[Attached]) -> tuple[set[str], list[str]]:
    """Endpoint service names an instance role's Allow statements reach, and what is unknown."""
    services: set[str] = set()
    unknown: list[str] = []
    for policy in policies:
        if policy.unknown:
            unknown.append(UNKNOWN + f"{policy.unknown}: the services it grants are unknown")
            continue
        if policy.managed_arn is not None:
            name = policy.managed_arn.rsplit("/", 1)[-1]
            if name in MANAGED_SERVICES:
                services.update(MANAGED_SERVICES[name])
            else:
                unknown.append(f"{policy.source}: cannot tell the services of {policy.managed_arn}")
            continue
        for st in policy.statements:
            if st.effect.lower() != "allow":
                continue
            for action in st.actions:
                if ":" not in action:
                    continue
                prefix = action.split(":", 1)[0].lower()
                services.add(ENDPOINT_OF_PREFIX.get(prefix, prefix))
    return services, unknown


def endpoint_services(graph: Graph, root: str | None) -> tuple[set[str], dict[str, str]]:
    """Service names (`s3`, `ssm`, `ecr.api`) of the VPC endpoints under one root configuration
    that terraform creates, and those of endpoints it may not create (with why)."""
    found: set[str] = set()
    doubtful: dict[str, str] = {}
    for endpoint in graph.of_type("aws_vpc_endpoint", root):  # count = 0: left out
        config = endpoint.config
        services: set[str] = set()
        for name in (str(n) for n in as_list(config.get("service_name"))):
            if "each." in name:
                keys = first(config, "for_each")
                if isinstance(keys, (dict, list, set, tuple)):  # else unresolved: names unknown
                    services.update(str(k) for k in keys)  # a map: its keys
                continue
            # com.amazonaws.<region>.<service>; the region is often an interpolation.
            tail = re.sub(r"\$\{[^}]*\}", "region", name).split("com.amazonaws.", 1)[-1]
            services.add(tail.split(".", 1)[1] if "." in tail else tail)
        doubt = graph.doubt(endpoint)
        if doubt:
            # An unresolved for_each hides which services it names: it may be any of them.
            doubtful.update((service, doubt) for service in services or {"*"})
        else:
            found.update(services)
    return found, doubtful


class CredentialEndpoints(TplCheck):
    """Every service an EC2 role is granted is reachable through a VPC endpoint."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_CRED_ENDPOINTS",
            "Services granted to EC2 instance roles have VPC endpoints",
            ("aws_iam_role",),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail a service granted to an instance role with no endpoint in the same root."""
        problems: list[str] = []
        for role in _instance_roles(conf, graph):
            services, unread = granted_services(role_policies(graph, role))
            problems.extend(unread)
            # A role whose configuration builds no VPC (e.g. the Packer build role in a global
            # root) runs in VPCs built elsewhere: any endpoint of the scanned tree counts.
            scope: str | None = role.root if graph.of_type("aws_vpc", role.root) else None
            have, maybe = endpoint_services(graph, scope)
            for service in sorted(services - have):
                doubt = maybe.get(service) or maybe.get("*")
                if doubt:
                    problems.append(unknown(f"granted {service}, endpoint {doubt}"))
                    continue
                problems.append(
                    f"granted {service} but no aws_vpc_endpoint for it in "
                    f"{scope or 'the scanned configuration'}"
                )
        return sorted(set(problems))


source_deny = CredentialSourceDeny()
endpoints = CredentialEndpoints()
