"""Shared helpers for the custom checks: values, IAM documents and the checkov resource graph.

This file runs inside checkov's own process (loaded through --external-checks-dir, which puts
this directory on sys.path), so it imports only the standard library and checkov.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

WORLD = ("0.0.0.0/0", "::/0")
ALL_PROTOCOLS = ("-1", "all")


def first(conf: dict[str, Any], key: str, default: Any = None) -> Any:
    """The value of `key` in a checkov resource conf, where every attribute is a 1-item list."""
    value = conf.get(key, default)
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The nested blocks named `key` (e.g. `ingress`), as dicts."""
    value = conf.get(key) or []
    return [b for b in (value if isinstance(value, list) else [value]) if isinstance(b, dict)]


def as_list(value: Any) -> list[Any]:
    """Flatten checkov's list wrapping: `[["a", "b"]]` and `"a"` both become lists of scalars."""
    if value is None:
        return []
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out.extend(as_list(item))
        return out
    return [value]


def truthy(value: Any) -> bool:
    """HCL true in any of its spellings."""
    return str(first({"v": value}, "v")).strip().lower() == "true"


def unescape(text: str) -> str:
    """HCL writes a literal `${` as `$${`; IAM wants the literal."""
    return text.replace("$${", "${")


def mentions(value: Any, *words: str) -> bool:
    """Whether any string in `value` contains one of `words` (case-insensitive)."""
    return any(w in str(v).lower() for v in as_list(value) for w in words)


# --- IAM documents -----------------------------------------------------------------------


@dataclass
class Statement:
    """One IAM statement, normalised: lists of strings, conditions as {op: {key: [values]}}."""

    effect: str
    actions: list[str]
    not_actions: list[str]
    resources: list[str]
    principals: list[str]
    conditions: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def condition(self, operator: str, key: str) -> list[str]:
        """Values of one condition (operator and key compared case-insensitively)."""
        for op, entries in self.conditions.items():
            if op.lower() != operator.lower():
                continue
            for k, values in entries.items():
                if k.lower() == key.lower():
                    return values
        return []


def _strings(value: Any) -> list[str]:
    return [unescape(str(v)) for v in as_list(value)]


def statements_of_json(document: Any) -> list[Statement]:
    """Statements of a JSON policy (dict, JSON string or checkov's parsed jsonencode)."""
    if isinstance(document, list) and len(document) == 1:
        document = document[0]
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    raw = document.get("Statement", [])
    out = []
    for st in raw if isinstance(raw, list) else [raw]:
        if not isinstance(st, dict):
            continue
        principal = st.get("Principal", [])
        if isinstance(principal, dict):
            principals = [p for v in principal.values() for p in _strings(v)]
        else:
            principals = _strings(principal)
        conditions: dict[str, dict[str, list[str]]] = {}
        cond = st.get("Condition") or {}
        if isinstance(cond, dict):
            for op, entries in cond.items():
                if isinstance(entries, dict):
                    conditions[str(op)] = {str(k): _strings(v) for k, v in entries.items()}
        out.append(
            Statement(
                effect=str(st.get("Effect", "Allow")),
                actions=_strings(st.get("Action")),
                not_actions=_strings(st.get("NotAction")),
                resources=_strings(st.get("Resource")),
                principals=principals,
                conditions=conditions,
            )
        )
    return out


def statements_of_document_data(config: dict[str, Any]) -> list[Statement]:
    """Statements of a `data "aws_iam_policy_document"` body (checkov's config form)."""
    out = []
    for st in blocks(config, "statement"):
        conditions: dict[str, dict[str, list[str]]] = {}
        for cond in blocks(st, "condition"):
            op = str(first(cond, "test"))
            key = unescape(str(first(cond, "variable")))
            conditions.setdefault(op, {}).setdefault(key, []).extend(_strings(cond.get("values")))
        principals = [p for pr in blocks(st, "principals") for p in _strings(pr.get("identifiers"))]
        out.append(
            Statement(
                effect=str(first(st, "effect", "Allow")),
                actions=_strings(st.get("actions")),
                not_actions=_strings(st.get("not_actions")),
                resources=_strings(st.get("resources")),
                principals=principals,
                conditions=conditions,
            )
        )
    return out


def action_matches(pattern: str, action: str) -> bool:
    """Whether an IAM action pattern (with `*`) grants `action`."""
    import fnmatch

    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


# --- the graph ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Vertex:
    """One block of the checkov graph."""

    index: int
    attr: dict[str, Any]

    @property
    def name(self) -> str:
        """`aws_iam_role.api` or `aws_iam_policy_document.x` (data) or a module/variable name."""
        return str(self.attr.get("block_name_", ""))

    @property
    def kind(self) -> str:
        """`resource`, `data`, `module`, `variable`, ..."""
        return str(self.attr.get("block_type_", ""))

    @property
    def type(self) -> str:
        """The resource or data source type (`aws_iam_role`)."""
        return self.name.split(".")[0] if self.kind in ("resource", "data") else ""

    @property
    def address(self) -> str:
        """The module-qualified address."""
        return str(self.attr.get("__address__", self.name))

    @property
    def config(self) -> dict[str, Any]:
        """The block body in checkov's conf form (attributes wrapped in lists)."""
        cfg = self.attr.get("config_") or {}
        for part in self.name.split(".")[:2]:
            cfg = cfg.get(part, {}) if isinstance(cfg, dict) else {}
        return cfg if isinstance(cfg, dict) else {}

    @property
    def root(self) -> str:
        """The directory of the root configuration this block is instantiated from."""
        module = self.attr.get("source_module_object_")
        path = str(self.attr.get("file_path_", ""))
        while module is not None:
            path = str(
                getattr(module, "path", None)
                or (module.get("path") if isinstance(module, dict) else path)
            )
            module = (
                getattr(module, "nested_tf_module", None)
                if not isinstance(module, dict)
                else module.get("nested_tf_module")
            )
        return os.path.dirname(path)

    def breadcrumbs(self, key: str) -> list[dict[str, Any]]:
        """Where checkov's renderer took the value of attribute `key` from."""
        crumbs = self.attr.get("rendering_breadcrumbs_") or {}
        return list(crumbs.get(key, [])) if isinstance(crumbs, dict) else []


class Graph:
    """A read-only view of the checkov graph (rustworkx or networkx)."""

    def __init__(self, graph: Any, scanned_file: str = "") -> None:
        self.scanned_file = scanned_file
        self.vertices: list[Vertex] = []
        self.out_edges: dict[int, list[tuple[int, str]]] = {}
        self.in_edges: dict[int, list[tuple[int, str]]] = {}
        if graph is None:
            return
        if hasattr(graph, "weighted_edge_list"):  # rustworkx
            nodes = [
                (i, payload[1] if isinstance(payload, tuple) else payload)
                for i, payload in zip(graph.node_indices(), graph.nodes(), strict=False)
            ]
            edges = [(s, t, d) for s, t, d in graph.weighted_edge_list()]
        else:  # networkx
            nodes = list(graph.nodes(data=True))
            edges = list(graph.edges(data=True))
        self.vertices = [Vertex(i, attr) for i, attr in nodes]
        self._by_index = {v.index: v for v in self.vertices}
        for source, target, data in edges:
            label = str((data or {}).get("label", ""))
            self.out_edges.setdefault(source, []).append((target, label))
            self.in_edges.setdefault(target, []).append((source, label))

    def find(self, conf: dict[str, Any]) -> list[Vertex]:
        """Every instance of the block a resource check is looking at."""
        address = conf.get("__address__")
        line = conf.get("__start_line__")
        return [
            v
            for v in self.vertices
            if v.address == address
            and v.attr.get("__start_line__") == line
            and str(v.attr.get("file_path_", "")).endswith(self.scanned_file)
        ]

    def targets(self, vertex: Vertex, label_prefix: str = "") -> list[Vertex]:
        """Blocks that `vertex` references (optionally through attributes starting with a label)."""
        return [
            self._by_index[t]
            for t, label in self.out_edges.get(vertex.index, [])
            if label.startswith(label_prefix) and t in self._by_index
        ]

    def referrers(self, vertex: Vertex, type_: str | None = None) -> list[Vertex]:
        """Blocks that reference `vertex`, optionally of one type."""
        return [
            self._by_index[s]
            for s, _ in self.in_edges.get(vertex.index, [])
            if s in self._by_index and (type_ is None or self._by_index[s].type == type_)
        ]

    def of_type(self, type_: str, root: str | None = None) -> list[Vertex]:
        """Every resource/data block of one type, optionally only under one root configuration."""
        return [v for v in self.vertices if v.type == type_ and (root is None or v.root == root)]

    def through_variables(self, vertex: Vertex, label_prefix: str) -> list[Vertex]:
        """Resources reached from an attribute, following module variables and outputs."""
        found: list[Vertex] = []
        seen: set[int] = set()
        todo = self.targets(vertex, label_prefix)
        while todo:
            v = todo.pop()
            if v.index in seen:
                continue
            seen.add(v.index)
            if v.kind in ("resource", "data"):
                found.append(v)
            elif v.kind == "variable":
                # A module input: continue from the module call, through that argument only.
                for call in self.targets(v):
                    todo.extend(self.targets(call, v.name.split(".")[-1]))
            else:
                todo.extend(self.targets(v))
        return found


def policy_statements(graph: Graph, owner: Vertex, attribute: str) -> list[Statement]:
    """Statements of the policy held in `attribute` of `owner`: JSON, heredoc or data source."""
    value = first(owner.config, attribute)
    statements = statements_of_json(value)
    if statements:
        return statements
    return [
        st
        for doc in graph.through_variables(owner, attribute)
        if doc.type == "aws_iam_policy_document"
        for st in document_statements(graph, doc)
    ]


def document_statements(graph: Graph, doc: Vertex, depth: int = 0) -> list[Statement]:
    """Statements of an aws_iam_policy_document, including its source/override documents."""
    out = statements_of_document_data(doc.config)
    if depth < 3:
        for other in graph.targets(doc):
            if other.type == "aws_iam_policy_document" and other.index != doc.index:
                out.extend(document_statements(graph, other, depth + 1))
    return out


def role_trusts_service(graph: Graph, role: Vertex, service: str) -> bool:
    """Whether the role's trust policy lets `service` assume it."""
    return any(
        st.effect.lower() == "allow" and service in st.principals
        for st in policy_statements(graph, role, "assume_role_policy")
    )


@dataclass
class Attached:
    """A policy attached to a role, with where it comes from (for messages)."""

    source: str
    statements: list[Statement]
    managed_arn: str | None = None


def role_policies(graph: Graph, role: Vertex) -> list[Attached]:
    """Every policy a role carries: inline blocks, role policies, attachments, managed ARNs."""
    out: list[Attached] = []
    for inline in blocks(role.config, "inline_policy"):
        statements = statements_of_json(inline.get("policy"))
        if not statements:
            statements = [
                st
                for doc in graph.through_variables(role, "inline_policy")
                if doc.type == "aws_iam_policy_document"
                for st in document_statements(graph, doc)
            ]
        out.append(Attached(f"{role.address} inline_policy", statements))
    for ref in _role_referrers(graph, role):
        if ref.type == "aws_iam_role_policy":
            out.append(Attached(ref.address, policy_statements(graph, ref, "policy")))
        elif ref.type in ("aws_iam_role_policy_attachment", "aws_iam_policy_attachment"):
            policies = [
                p for p in graph.through_variables(ref, "policy_arn") if p.type == "aws_iam_policy"
            ]
            for policy in policies:
                out.append(Attached(policy.address, policy_statements(graph, policy, "policy")))
            if not policies:
                out.append(
                    Attached(ref.address, [], managed_arn=str(first(ref.config, "policy_arn")))
                )
    for arn in as_list(role.config.get("managed_policy_arns")):
        out.append(Attached(f"{role.address} managed_policy_arns", [], managed_arn=str(arn)))
    return out


def _role_referrers(graph: Graph, role: Vertex) -> Iterator[Vertex]:
    """Blocks whose `role`/`roles` attribute reaches this role, through module variables too."""
    seen: set[int] = set()
    todo = [role]
    while todo:
        v = todo.pop()
        for ref in graph.referrers(v):
            if ref.index in seen:
                continue
            seen.add(ref.index)
            if ref.kind in ("resource", "data"):
                yield ref
            elif ref.kind in ("variable", "output", "module", "locals"):
                todo.append(ref)


# --- network rules -----------------------------------------------------------------------


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

    def covers(self, port: int) -> bool:
        """Whether the rule opens `port`."""
        if self.protocol in ALL_PROTOCOLS:
            return True
        return self.from_port <= port <= self.to_port

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
                cidrs=_strings(b.get("cidr_blocks")) + _strings(b.get("ipv6_cidr_blocks")),
                source_groups=_strings(b.get("security_groups")),
                self_source=truthy(b.get("self")),
                cidr_keys=("ingress.cidr_blocks", "ingress.ipv6_cidr_blocks"),
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
                cidrs=_strings(conf.get("cidr_blocks")) + _strings(conf.get("ipv6_cidr_blocks")),
                source_groups=_strings(conf.get("source_security_group_id")),
                self_source=truthy(conf.get("self")),
                cidr_keys=("cidr_blocks", "ipv6_cidr_blocks"),
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
                cidrs=_strings(conf.get("cidr_ipv4")) + _strings(conf.get("cidr_ipv6")),
                source_groups=_strings(conf.get("referenced_security_group_id")),
                self_source=False,
                cidr_keys=("cidr_ipv4", "cidr_ipv6"),
            )
        ]
    return []


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


def names_of(vertices: Iterable[Vertex]) -> str:
    """Addresses for a message."""
    return ", ".join(sorted({v.address for v in vertices})) or "(none)"
