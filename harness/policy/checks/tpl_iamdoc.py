"""IAM documents for the custom checks: statements, principals, actions and conditions.

A policy may be written as JSON (`jsonencode`, a heredoc, a string) or as an
`aws_iam_policy_document` data source, attached inline, through a role policy, an attachment
or a managed ARN. This module normalises all of them to `Statement`s and finds, through the
graph view (tpl_graph), which statements a role or a bucket carries.

Loaded by checkov with --external-checks-dir (this directory on sys.path): standard library
and the sibling tpl_* modules only.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
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
    # In a plan scan: the fields terraform knows only after apply (`resources` naming a bucket
    # created in the same plan); they are missing from the lists above.
    unresolved: set[str] = field(default_factory=set)

    def condition(self, operator: str, key: str) -> list[str]:
        """Values of one condition (operator and key compared case-insensitively)."""
        for op, entries in self.conditions.items():
            if op.lower() != operator.lower():
                continue
            for k, values in entries.items():
                if k.lower() == key.lower():
                    return values
        return []


# `${file("<path>")}` and `${templatefile("<path>", {vars})}` as checkov leaves them.
_FILE_CALL = re.compile(
    r'^\$\{\s*(file|templatefile)\(\s*"([^"]+)"\s*(?:,\s*(\{.*\}))?\s*\)\s*\}$', re.S
)
# The partition's DNS suffix and name, however checkov left the reference.
_PARTITION = re.compile(r"(\$\{)?data\.aws_partition\.[\w-]+\.(dns_suffix|partition)\}?")


def _partition(text: str) -> str:
    """`ec2.${data.aws_partition.current.dns_suffix}` -> `ec2.amazonaws.com` (and `aws`)."""
    return _PARTITION.sub(lambda m: "amazonaws.com" if m.group(2) == "dns_suffix" else "aws", text)


def read_file_call(value: Any, module_dir: str) -> str | None:
    """The text of a file()/templatefile() document with a literal or path.module path, its
    template variables filled in; None when the value is not such a call or cannot be read."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        return None
    match = _FILE_CALL.match(value.strip())
    if not match:
        return None
    function, raw_path, raw_vars = match.groups()
    path = raw_path.replace("${path.module}", module_dir).replace("${path.root}", module_dir)
    if "${" in path:
        return None
    try:
        with open(os.path.join(module_dir, path), encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeError):
        return None
    if function == "file":
        return text
    try:
        variables = ast.literal_eval(raw_vars) if raw_vars else {}
    except (ValueError, SyntaxError):
        return None
    if not isinstance(variables, dict) or "%{" in text:
        return None
    missing = False

    def fill(found: re.Match[str]) -> str:
        nonlocal missing
        name = found.group(1).strip()
        if name not in variables:
            missing = True
            return found.group(0)
        return str(variables[name])

    rendered = re.sub(r"(?<!\$)\$\{([^}]*)\}", fill, text)
    return None if missing else rendered


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
        principals = [_partition(p) for p in principals]
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
        principals = [
            _partition(p) for pr in blocks(st, "principals") for p in strings(pr.get("identifiers"))
        ]
        out.append(
            Statement(
                # A document read at apply is planned with `effect = null`: terraform's
                # default, Allow (as "None" it read as neither Allow nor Deny, and passed).
                effect=str(first(st, "effect") or "Allow"),
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
    text = read_file_call(value, module_dir(owner))
    if text is not None:
        return statements_of_json(text)
    return [
        st
        for doc in graph.through_variables(owner, attribute)
        if doc.type == "aws_iam_policy_document"
        for st in document_statements(graph, doc)
    ]


def module_dir(vertex: Vertex) -> str:
    """The directory of the file a block is written in (terraform's path.module)."""
    return os.path.dirname(str(vertex.attr.get("file_path_", "")))


def after_apply(graph: Graph, owner: Vertex, attribute: str) -> str | None:
    """In a plan scan: why `attribute` of `owner` cannot be read because terraform knows it only
    after apply (the plan holds no value for it, nor for a policy document it comes from), or
    None. A document data source the plan holds (read at apply, its statements planned) is
    read instead."""
    if not graph.unknown_after_apply(owner, attribute):
        return None
    if any(
        doc.type == "aws_iam_policy_document" and doc.config.get("statement")
        for doc in graph.through_variables(owner, attribute)
    ):
        return None
    return f"{owner.address} {attribute} is known only after apply"


def unreadable_document(graph: Graph, owner: Vertex, attribute: str) -> str | None:
    """Why the policy in `attribute` cannot be read (an unresolved expression, or a value known
    only after apply), or None."""
    doubt = after_apply(graph, owner, attribute)
    if doubt:
        return doubt
    value = first(owner.config, attribute)
    if value is None or policy_statements(graph, owner, attribute):
        return None
    if isinstance(value, str) and ("${" in value or "(" in value):
        return f"{attribute} = {value[:80]} could not be read"
    return None


def document_statements(graph: Graph, doc: Vertex, depth: int = 0) -> list[Statement]:
    """Statements of an aws_iam_policy_document, including its source/override documents."""
    out = statements_of_document_data(doc.config)
    for index, st in enumerate(out):
        st.unresolved = graph.unknown_in_block(doc, "statement", index)
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
    # Why the statements could not be read (a document known only after apply), or None.
    unknown: str | None = None


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
        doubt = after_apply(graph, role, "inline_policy")
        out.append(Attached(f"{role.address} inline_policy", statements, unknown=doubt))
    for ref in _role_referrers(graph, role):  # those never created are left out
        found: list[Attached] = []
        if ref.type == "aws_iam_role_policy":
            found.append(_attached(graph, ref))
        elif ref.type in ("aws_iam_role_policy_attachment", "aws_iam_policy_attachment"):
            policies = [
                p for p in graph.through_variables(ref, "policy_arn") if p.type == "aws_iam_policy"
            ]
            for policy in policies:
                found.append(_attached(graph, policy))
            if not policies:
                found.append(
                    Attached(ref.address, [], managed_arn=str(first(ref.config, "policy_arn")))
                )
        # An attachment that may not be created holds statements nobody can count on.
        doubt = graph.doubt(ref)
        out.extend(Attached(a.source, [], unknown=doubt) if doubt else a for a in found)
    for arn in as_list(role.config.get("managed_policy_arns")):
        out.append(Attached(f"{role.address} managed_policy_arns", [], managed_arn=str(arn)))
    return out


def _attached(graph: Graph, owner: Vertex) -> Attached:
    """The policy document in `owner`'s `policy` attribute, or why it cannot be read."""
    doubt = after_apply(graph, owner, "policy")
    statements = [] if doubt else policy_statements(graph, owner, "policy")
    return Attached(owner.address, statements, unknown=doubt)


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
