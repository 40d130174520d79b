"""NET-01..04: who may reach what, expressed on security groups, rules, NACLs and subnets."""

from __future__ import annotations

from typing import Any

from tpl_base import TplCheck  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_graph import Graph, Vertex  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_ingress import (  # type: ignore[import-not-found]  # on sys.path in checkov
    INGRESS_TYPES,
    Rule,
    all_protocol_egress,
    ingress_rules,
    is_private_cidr,
    target_groups,
    world_refused,
)
from tpl_values import as_list, blocks, first, mentions, truthy, unknown  # type: ignore[import-not-found]  # on sys.path in checkov

LB_TYPES = ("aws_lb", "aws_alb")
LB_WORDS = ("alb", "lb", "load_balancer", "loadbalancer")


def _is_lb_group(graph: Graph, group: Vertex) -> bool:
    """A security group that a load balancer uses (one never created is left out)."""
    return any(ref.type in LB_TYPES for ref in graph.referrers(group))


def _lb_doubt(graph: Graph, groups: list[Vertex]) -> str | None:
    """Why a group counts as a load balancer's only through a load balancer that may not be
    created (an unresolved count or for_each), or None."""
    for group in groups:
        balancers = [ref for ref in graph.referrers(group) if ref.type in LB_TYPES]
        doubts = [graph.doubt(lb) for lb in balancers]
        if balancers and all(doubts):
            return doubts[0]
    return None


def _is_endpoint_group(graph: Graph, group: Vertex) -> bool:
    """A security group that interface VPC endpoints use (one never created is left out)."""
    return any(ref.type == "aws_vpc_endpoint" for ref in graph.referrers(group))


def _endpoint_doubt(graph: Graph, groups: list[Vertex]) -> str | None:
    """Why a group counts as an endpoint's only through endpoints that may not be created (an
    unresolved count or for_each), or None."""
    for group in groups:
        endpoints = [ref for ref in graph.referrers(group) if ref.type == "aws_vpc_endpoint"]
        doubts = [graph.doubt(endpoint) for endpoint in endpoints]
        if endpoints and all(doubts):
            return doubts[0]
    return None


def _is_bastion(vertex: Vertex | None, conf: dict[str, Any] | None = None) -> bool:
    """The bastion's own resources, by address or name."""
    if vertex is not None and "bastion" in vertex.address.lower():
        return True
    return conf is not None and (
        mentions(first(conf, "name"), "bastion") or mentions(first(conf, "name_prefix"), "bastion")
    )


def _rules(type_: str, conf: dict[str, Any], graph: Graph) -> tuple[list[Rule], list[Vertex]]:
    """The rule(s) of this resource and the security groups they open."""
    rules = ingress_rules(type_, conf)
    groups = [g for v in graph.find(conf) for g in target_groups(graph, v)]
    return rules, groups


def _from_variable(graph: Graph, conf: dict[str, Any], rule: Rule) -> bool:
    """Whether a rule's CIDRs come from input variables rather than literals in the code."""
    literal = [c for c in rule.cidrs if _is_cidr(c)]
    if not literal:
        return True
    for vertex in graph.find(conf):
        if any(vertex.breadcrumbs(k) for k in rule.cidr_keys):
            return True
        if mentions(vertex.attr.get("for_each"), "var."):
            return True
        # A plan: terraform's configuration says where the value came from.
        planned = [
            r for k in (*rule.cidr_keys, "for_each") for r in graph.expression_references(vertex, k)
        ]
        if any(r.startswith("var.") for r in planned):
            return True
    return False


SOURCE_KEYS = (
    "referenced_security_group_id",
    "source_security_group_id",
    "ingress.security_groups",
)


def _names_bastion(graph: Graph, conf: dict[str, Any], source: str) -> bool:
    """Whether a source group is the bastion's: by its reference, or by where it was rendered from.

    Across modules the renderer replaces `var.bastion_security_group_id` with the bastion
    module's `aws_security_group.this.id`; the breadcrumbs keep the variable's name.
    """
    if "bastion" in source.lower():
        return True
    for vertex in graph.find(conf):
        for key in SOURCE_KEYS:
            crumbs = vertex.breadcrumbs(key)
            if any("bastion" in str(c.get("name", "")).lower() for c in crumbs):
                return True
            if any("bastion" in v.address.lower() for v in graph.through_variables(vertex, key)):
                return True
    return False


def _is_cidr(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


class WorldIngress(TplCheck):
    """Only a load balancer's security group accepts the internet, and only on 80 and 443."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_NET_WORLD_INGRESS",
            "Ingress from 0.0.0.0/0 or ::/0 only to a load balancer on 80/443",
            INGRESS_TYPES,
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail world-open rules on other ports or on groups no load balancer uses."""
        rules, groups = _rules(type_, conf, graph)
        refused = any(world_refused(graph, v) for v in graph.find(conf))
        problems = []
        for rule in rules:
            if not rule.world and ("cidrs" not in rule.unresolved or refused):
                continue
            found = _world_problems(rule, groups, graph)
            doubt = _lb_doubt(graph, groups)
            if rule.world and not rule.unresolved_ports and not found and doubt:
                problems.append(unknown(f"{rule.where}: open to the internet; {doubt}"))
            elif rule.world and not rule.unresolved_ports:
                problems.extend(found)
            elif found:
                # Unresolved CIDRs may be the world, unresolved ports may be any: not decided.
                problems.append(unknown(rule.doubt("whether it opens the internet is unknown")))
        return problems


def _world_problems(rule: Rule, groups: list[Vertex], graph: Graph) -> list[str]:
    """What is wrong with `rule` if it is open to the internet."""
    ports_ok = (
        not rule.unresolved_ports
        and rule.protocol == "tcp"
        and {rule.from_port, rule.to_port} <= {80, 443}
        and (rule.from_port == rule.to_port)
    )
    if not ports_ok:
        ports = f"{rule.protocol} {rule.from_port}-{rule.to_port}"
        return [f"{rule.where}: {ports} open to the internet"]
    if not groups or not all(_is_lb_group(graph, g) for g in groups):
        return [
            f"{rule.where}: port {rule.from_port} open to the internet on a security group "
            "no load balancer uses"
        ]
    return []


class SshSources(TplCheck):
    """SSH reaches the bastion from admin CIDR variables, and everything else from the bastion."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_NET_SSH_SOURCES",
            "SSH only to the bastion from admin CIDRs, elsewhere only from the bastion SG",
            INGRESS_TYPES,
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail SSH from literal CIDRs, from CIDRs to non-bastions, or from other groups."""
        rules, groups = _rules(type_, conf, graph)
        to_bastion = bool(groups) and all(_is_bastion(g, g.config) for g in groups)
        problems = []
        for rule in (r for r in rules if r.covers(22) or r.unresolved_ports):
            found = _ssh_problems(rule, graph, conf, to_bastion)
            if found and rule.unresolved_ports:
                problems.append(unknown(rule.doubt("whether it opens SSH is unknown")))
            else:
                problems.extend(found)
        return problems


def _ssh_problems(rule: Rule, graph: Graph, conf: dict[str, Any], to_bastion: bool) -> list[str]:
    """What is wrong with `rule` if it opens SSH."""
    problems = []
    if rule.cidrs and not to_bastion:
        problems.append(f"{rule.where}: SSH from CIDRs {rule.cidrs} to a non-bastion group")
    elif rule.cidrs and not _from_variable(graph, conf, rule):
        problems.append(
            f"{rule.where}: SSH to the bastion from literal CIDRs {rule.cidrs}; "
            "take them from a variable (admin CIDRs)"
        )
    others = [s for s in rule.source_groups if not _names_bastion(graph, conf, s)]
    if others and not to_bastion:
        problems.append(f"{rule.where}: SSH from security groups {others}, not the bastion's")
    if rule.self_source and not to_bastion:
        problems.append(f"{rule.where}: SSH from the group itself, not the bastion's")
    return problems


class GroupSources(TplCheck):
    """Inside the VPC, rules name security groups; no security group rule opens every protocol.

    A network ACL may not allow every protocol from a CIDR; a security group rule may not open
    every protocol at all (ingress from CIDRs or groups, egress to anywhere).
    """

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_NET_SG_SOURCES",
            "No all-protocol rules from CIDRs; VPC-internal ingress references security groups",
            (
                *INGRESS_TYPES,
                "aws_vpc_security_group_egress_rule",
                "aws_network_acl",
                "aws_network_acl_rule",
                "aws_default_network_acl",
            ),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail all-protocol rules, VPC CIDR sources, and API/Redis ingress from others."""
        if type_ in ("aws_network_acl", "aws_default_network_acl", "aws_network_acl_rule"):
            return _nacl_problems(type_, conf)
        problems = [
            f"{where}: egress on every protocol" for where in all_protocol_egress(type_, conf)
        ]
        rules, groups = _rules(type_, conf, graph)
        endpoint_group = bool(groups) and all(_is_endpoint_group(graph, g) for g in groups)
        endpoint_doubt = _endpoint_doubt(graph, groups) if endpoint_group else None
        for rule in rules:
            if rule.all_protocols and rule.cidrs:
                problems.append(f"{rule.where}: every protocol from CIDRs {rule.cidrs}")
            if rule.all_protocols and (rule.source_groups or rule.self_source):
                sources = rule.source_groups + (["self"] if rule.self_source else [])
                problems.append(f"{rule.where}: every protocol from security groups {sources}")
            inside = [c for c in rule.cidrs if is_private_cidr(c) or _names_vpc_cidr(c)]
            endpoint_https = (
                endpoint_group and rule.protocol == "tcp" and rule.from_port == rule.to_port == 443
            )
            if inside and endpoint_https and endpoint_doubt:
                # Allowed only if the endpoints using the group exist: not decided.
                where = f"{rule.where}: ingress from VPC-internal CIDRs {inside}"
                problems.append(unknown(f"{where}; {endpoint_doubt}"))
            elif inside and not endpoint_https:
                problems.append(
                    f"{rule.where}: ingress from VPC-internal CIDRs {inside}; reference the "
                    "source security group instead"
                )
            if rule.cidrs or any("api" not in s.lower() for s in rule.source_groups):
                if rule.covers(6379):
                    problems.append(
                        f"{rule.where}: Redis 6379 open to other than the API security group"
                    )
                elif rule.unresolved_ports:
                    problems.append(unknown(rule.doubt("whether it opens Redis 6379 is unknown")))
            for group in groups:
                if not _is_api_group(group) or (rule.covers(22) and not rule.all_protocols):
                    continue
                foreign = [
                    s
                    for s in rule.source_groups
                    if not any(w in s.lower() for w in LB_WORDS) and group.name not in s
                ]
                if (rule.cidrs or foreign) and rule.unresolved_ports:
                    problems.append(unknown(rule.doubt("whether it is SSH to the API is unknown")))
                elif rule.cidrs or foreign:
                    problems.append(
                        f"{rule.where}: API ingress from {rule.cidrs + foreign}, "
                        "not the load balancer"
                    )
        return sorted(set(problems))


def _is_api_group(group: Vertex) -> bool:
    """The API instances' group, by name (`aws_security_group.api` or a name ending in -api)."""
    short = group.name.split(".")[-1].lower()
    named = str(first(group.config, "name", "")).lower()
    return short == "api" or named.endswith("-api")


def _names_vpc_cidr(text: str) -> bool:
    """An unrendered reference to the VPC's own CIDR (`aws_vpc.this.cidr_block`, `var.vpc_cidr`)."""
    lowered = text.lower()
    return "vpc" in lowered and "cidr" in lowered and not _is_cidr(text)


def _nacl_problems(type_: str, conf: dict[str, Any]) -> list[str]:
    """Allow rules for every protocol in a network ACL."""
    if type_ == "aws_network_acl_rule":
        entries = [("rule", conf)]
        action_key = "rule_action"
    else:
        entries = [(f"{k} block", b) for k in ("ingress", "egress") for b in blocks(conf, k)]
        action_key = "action"
    problems = []
    for where, entry in entries:
        protocol = str(first(entry, "protocol", "")).lower()
        action = str(first(entry, action_key, "")).lower()
        cidrs = as_list(entry.get("cidr_block")) + as_list(entry.get("ipv6_cidr_block"))
        if protocol in ("-1", "all") and action == "allow" and cidrs:
            problems.append(f"{where}: network ACL allows every protocol from {cidrs}")
    return problems


class NoPublicIp(TplCheck):
    """Private subnets and non-bastion launch templates give no public address."""

    def __init__(self) -> None:
        super().__init__(
            "CKV_TPL_NET_NO_PUBLIC_IP",
            "No public IP on private subnets or non-bastion launch templates",
            ("aws_subnet", "aws_launch_template"),
        )

    def evaluate(self, type_: str, conf: dict[str, Any], graph: Graph) -> list[str]:
        """Fail map_public_ip_on_launch on private subnets and public IPs on app templates."""
        vertices = graph.find(conf)
        if type_ == "aws_subnet":
            private = any("private" in v.address.lower() for v in vertices) or mentions(
                conf.get("tags"), "private"
            )
            if private and truthy(conf.get("map_public_ip_on_launch")):
                return ["private subnet sets map_public_ip_on_launch = true"]
            return []
        if any(_is_bastion(v, conf) for v in vertices) or _is_bastion(None, conf):
            return []
        return [
            "network_interfaces.associate_public_ip_address = true on a non-bastion launch template"
            for nic in blocks(conf, "network_interfaces")
            if truthy(nic.get("associate_public_ip_address"))
        ]


world_ingress = WorldIngress()
ssh_sources = SshSources()
group_sources = GroupSources()
no_public_ip = NoPublicIp()
