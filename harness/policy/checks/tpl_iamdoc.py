"""IAM documents for the custom checks: statements, principals, actions and conditions.

A policy may be written as JSON (`jsonencode`, a heredoc, a string) or as an
`aws_iam_policy_document` data source, attached inline, through a role policy, an attachment
or a managed ARN. This module normalises all of them to `Statement`s and finds, through the
graph view (tpl_graph), which statements a role or a bucket carries.

Loaded by checkov with --external-checks-dir (this directory on sys.path): standard library
and the sibling tpl_* modules only.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tpl_graph import Graph, Vertex  # type: ignore[import-not-found]  # on sys.path in checkov
from tpl_values import as_list, blocks, first, strings, unescape  # type: ignore[import-not-found]  # on sys.path in checkov


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
            principals = [p for v in principal.values() for p in strings(v)]
        else:
            principals = strings(principal)
        conditions: dict[str, dict[str, list[str]]] = {}
        cond = st.get("Condition") or {}
        if isinstance(cond, dict):
            for op, entries in cond.items():
                if isinstance(entries, dict):
                    conditions[str(op)] = {str(k): strings(v) for k, v in entries.items()}
        out.append(
            Statement(
                effect=str(st.get("Effect", "Allow")),
                actions=strings(st.get("Action")),
                not_actions=strings(st.get("NotAction")),
                resources=strings(st.get("Resource")),
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
            conditions.setdefault(op, {}).setdefault(key, []).extend(strings(cond.get("values")))
        principals = [p for pr in blocks(st, "principals") for p in strings(pr.get("identifiers"))]
        out.append(
            Statement(
                effect=str(first(st, "effect", "Allow")),
                actions=strings(st.get("actions")),
                not_actions=strings(st.get("not_actions")),
                resources=strings(st.get("resources")),
                principals=principals,
                conditions=conditions,
            )
        )
    return out


def action_matches(pattern: str, action: str) -> bool:
    """Whether an IAM action pattern (with `*`) grants `action`."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


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
