"""Security-group ingress rules for the custom checks, one shape for every way to write them.

An ingress rule can be an inline `ingress` block of `aws_security_group`, an
`aws_security_group_rule` of type ingress or an `aws_vpc_security_group_ingress_rule`; each is
read into a `Rule` (protocol, ports, CIDRs, source groups). Also: which groups a rule opens,
whether a CIDR lies inside VPC address space, and which egress rules (the same three shapes)
open every protocol.

Loaded by checkov with --external-checks-dir (this directory on sys.path): standard library
and the sibling tpl_* modules only.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from tpl_graph import Graph, Vertex  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_values import blocks, first, strings, truthy, unresolved  # type: ignore[import-not-found]  # on sys.path in checkov

WORLD = ("0.0.0.0/0", "::/0")
ALL_PROTOCOLS = ("-1", "all")


@dataclass
class Rule:
    """One ingress (or NACL) rule, normalised across the resource shapes that express it."""

    where: str
    protocol: str
    from_port: int
    to_port: int
    cidrs: list[str]
    source_groups: list[str]
    self_source: bool
    cidr_keys: tuple[str, ...] = ()
    # What static scanning could not resolve (`ports`, `protocol`, `cidrs`): the checks report
    # an unknown for what depends on it, never the widest reading nor a pass.
    unresolved: tuple[str, ...] = ()

    def covers(self, port: int) -> bool:
        """Whether the rule opens `port` (False when the ports are unresolved: see `doubt`)."""
        if self.protocol in ALL_PROTOCOLS:
            return True
        if self.unresolved_ports:
            return False
        return self.from_port <= port <= self.to_port

    @property
    def unresolved_ports(self) -> bool:
        """The protocol or ports are expressions static scanning could not resolve."""
        return "ports" in self.unresolved or "protocol" in self.unresolved

    def doubt(self, what: str) -> str:
        """Why `what` cannot be decided for this rule (for an unknown detail)."""
        return f"{self.where}: {', '.join(self.unresolved)} could not be resolved, so {what}"

    @property
    def all_protocols(self) -> bool:
        """Every protocol and port."""
        return self.protocol in ALL_PROTOCOLS

    @property
    def world(self) -> bool:
        """Open to the internet."""
        return any(c in WORLD for c in self.cidrs)


def _int(value: Any, default: int) -> int:
    try:
        return int(str(first({"v": value}, "v")))
    except (TypeError, ValueError):
        return default


# A VPC's or subnet's own CIDR (`aws_vpc.this.ipv6_cidr_block`): unresolved, but never the world.
_OWN_CIDR = re.compile(r"^(\$\{)?aws_(vpc|subnet)\.[\w-]+(\[[^\]]*\])?\.(ipv6_)?cidr_block\}?$")


def _unresolved(protocol: Any, ports: tuple[Any, ...], cidrs: tuple[Any, ...]) -> tuple[str, ...]:
    """Which parts of a rule are expressions the renderer left unresolved."""
    foreign = [c for c in strings(list(cidrs)) if not _OWN_CIDR.match(c.strip())]
    return tuple(
        name
        for name, values in (("protocol", [protocol]), ("ports", list(ports)), ("cidrs", foreign))
        if any(unresolved(v) for v in values)
    )


def world_refused(graph: Graph, vertex: Vertex) -> bool:
    """Whether every variable the rule's CIDRs (or its for_each) come from has a validation
    that refuses 0.0.0.0/0 and ::/0 (terraform stops before such a value reaches AWS)."""
    variables = [
        v
        for key in ("for_each", "cidr", "ingress")
        for v in graph.targets(vertex, key)
        if v.kind == "variable"
    ]
    return bool(variables) and all(_refuses_world(v.config) for v in variables)


def _refuses_world(config: dict[str, Any]) -> bool:
    """A variable validation whose condition names both world CIDRs under a negation."""
    for validation in blocks(config, "validation"):
        condition = " ".join(strings(validation.get("condition")))
        if "0.0.0.0/0" in condition and "::/0" in condition and "!" in condition:
            return True
    return False


def _protocol(value: Any) -> str:
    text = str(first({"v": value}, "v", "-1")).strip().lower()
    return "-1" if text in ("-1", "all") else text


def ingress_rules(type_: str, conf: dict[str, Any]) -> list[Rule]:
    """The ingress rules a resource declares (security group, group rule or VPC ingress rule)."""
    if type_ == "aws_security_group":
        return [
            Rule(
                where=f"ingress block {i + 1}",
                protocol=_protocol(b.get("protocol")),
                from_port=_int(b.get("from_port"), 0),
                to_port=_int(b.get("to_port"), 65535),
                cidrs=strings(b.get("cidr_blocks")) + strings(b.get("ipv6_cidr_blocks")),
                source_groups=strings(b.get("security_groups")),
                self_source=truthy(b.get("self")),
                cidr_keys=("ingress.cidr_blocks", "ingress.ipv6_cidr_blocks"),
                unresolved=_unresolved(
                    b.get("protocol"),
                    (b.get("from_port"), b.get("to_port")),
                    (b.get("cidr_blocks"), b.get("ipv6_cidr_blocks")),
                ),
            )
            for i, b in enumerate(blocks(conf, "ingress"))
        ]
    if type_ == "aws_security_group_rule" and str(first(conf, "type")) == "ingress":
        return [
            Rule(
                where="rule",
                protocol=_protocol(conf.get("protocol")),
                from_port=_int(conf.get("from_port"), 0),
                to_port=_int(conf.get("to_port"), 65535),
                cidrs=strings(conf.get("cidr_blocks")) + strings(conf.get("ipv6_cidr_blocks")),
                source_groups=strings(conf.get("source_security_group_id")),
                self_source=truthy(conf.get("self")),
                cidr_keys=("cidr_blocks", "ipv6_cidr_blocks"),
                unresolved=_unresolved(
                    conf.get("protocol"),
                    (conf.get("from_port"), conf.get("to_port")),
                    (conf.get("cidr_blocks"), conf.get("ipv6_cidr_blocks")),
                ),
            )
        ]
    if type_ == "aws_vpc_security_group_ingress_rule":
        protocol = _protocol(conf.get("ip_protocol"))
        return [
            Rule(
                where="rule",
                protocol=protocol,
                from_port=_int(conf.get("from_port"), 0 if protocol == "-1" else -1),
                to_port=_int(conf.get("to_port"), 65535 if protocol == "-1" else -1),
                cidrs=strings(conf.get("cidr_ipv4")) + strings(conf.get("cidr_ipv6")),
                source_groups=strings(conf.get("referenced_security_group_id")),
                self_source=False,
                cidr_keys=("cidr_ipv4", "cidr_ipv6"),
                unresolved=_unresolved(
                    conf.get("ip_protocol"),
                    (conf.get("from_port"), conf.get("to_port")),
                    (conf.get("cidr_ipv4"), conf.get("cidr_ipv6")),
                ),
            )
        ]
    return []


def all_protocol_egress(type_: str, conf: dict[str, Any]) -> list[str]:
    """Where this resource declares an egress rule for every protocol (inline, rule or VPC rule)."""
    if type_ == "aws_security_group":
        protocols = [
            (f"egress block {i + 1}", b.get("protocol"))
            for i, b in enumerate(blocks(conf, "egress"))
        ]
    elif type_ == "aws_security_group_rule" and str(first(conf, "type")) == "egress":
        protocols = [("rule", conf.get("protocol"))]
    elif type_ == "aws_vpc_security_group_egress_rule":
        protocols = [("rule", conf.get("ip_protocol"))]
    else:
        protocols = []
    return [where for where, value in protocols if _protocol(value) == "-1"]


INGRESS_TYPES = (
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
)


def target_groups(graph: Graph, vertex: Vertex) -> list[Vertex]:
    """The security group(s) a rule belongs to (the group itself for inline rules)."""
    if vertex.type == "aws_security_group":
        return [vertex]
    return [
        v
        for v in graph.through_variables(vertex, "security_group_id")
        if v.type == "aws_security_group"
    ]


PRIVATE_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def is_private_cidr(text: str) -> bool:
    """A literal CIDR inside VPC address space (RFC 1918, RFC 6598, IPv6 ULA)."""
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return any(
        net.version == private.version and net.subnet_of(private)  # type: ignore[arg-type]
        for private in PRIVATE_RANGES
    )
