"""The graph view for the custom checks: checkov's resource graph as vertices and edges.

Checkov gives a resource check one block's conf; the questions the catalogue asks (which role
an attachment reaches, which security group a rule opens, which policy a bucket carries) need
the blocks around it. `Graph` reads checkov's rustworkx or networkx graph into `Vertex`es with
their in- and out-edges and follows references through module variables and outputs.

Loaded by checkov with --external-checks-dir (this directory on sys.path): standard library
only.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar


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
    """A read-only view of the checkov graph (rustworkx or networkx).

    Built once per checkov graph (`Graph.shared`) with its indexes (by address, by type, by
    root): a check on every resource must not rebuild it, or a scan grows with the square of
    the resource count.
    """

    _shared: ClassVar[dict[int, tuple[Any, Graph]]] = {}

    @classmethod
    def shared(cls, graph: Any, scanned_file: str = "") -> Graph:
        """The view of `graph`, built on first use, seen from one scanned file."""
        cached = cls._shared.get(id(graph))
        if cached is None or cached[0] is not graph:
            cls._shared.clear()  # one graph per scan: keep no stale ones alive
            cached = (graph, cls(graph))
            cls._shared[id(graph)] = cached
        view = copy.copy(cached[1])
        view.scanned_file = scanned_file
        return view

    def __init__(self, graph: Any, scanned_file: str = "") -> None:
        self.scanned_file = scanned_file
        self.vertices: list[Vertex] = []
        self._by_index: dict[int, Vertex] = {}
        self._by_address: dict[str, list[Vertex]] = {}
        self._by_type: dict[str, list[Vertex]] = {}
        self._roots: dict[int, str] = {}
        self._presence: dict[int, tuple[str, str]] = {}
        self._calls: dict[tuple[str, str], list[Vertex]] | None = None
        self.out_edges: dict[int, list[tuple[int, str]]] = {}
        self._plan_expressions: dict[str, dict[str, list[str]]] = {}
        # In a plan scan: per planned address, terraform's `after_unknown` (values known only
        # after apply, which the plan's `after` leaves out: nothing for a check to read).
        self._after_unknown: dict[str, dict[str, Any]] = {}
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
        for v in self.vertices:
            self._by_address.setdefault(v.address, []).append(v)
            if v.type:
                self._by_type.setdefault(v.type, []).append(v)
        for source, target, data in edges:
            label = str((data or {}).get("label", ""))
            self.out_edges.setdefault(source, []).append((target, label))
            self.in_edges.setdefault(target, []).append((source, label))
        self._add_plan_edges()

    def _add_plan_edges(self) -> None:
        """In a plan scan, connect blocks across module boundaries.

        checkov's plan graph links only references inside one module (its vertices are the
        plan's resources, without module calls, variables or outputs); the plan's
        `configuration` says where `module.x.out` and `var.y` lead, so the checks see a bucket's
        policy or a role's attachment written in another module.
        """
        plan_files = {
            str(v.attr.get("file_path_", "")) for v in self.vertices if v.kind == "resource"
        }
        if len(plan_files) != 1 or not next(iter(plan_files)).endswith(".json"):
            return
        try:
            with open(next(iter(plan_files)), encoding="utf-8") as handle:
                plan = json.load(handle)
        except (OSError, ValueError):
            return
        # The harness keeps terraform's own configuration there when it rewrites references
        # for checkov (harness.policy.plan); else the plan is as terraform wrote it.
        configuration = (
            (plan.get(ORIGINAL_CONFIGURATION) or plan.get("configuration") or {})
            if isinstance(plan, dict)
            else {}
        )
        for change in plan.get("resource_changes") or [] if isinstance(plan, dict) else []:
            unknown = (change.get("change") or {}).get("after_unknown")
            if isinstance(unknown, dict) and unknown:
                self._after_unknown[str(change.get("address", ""))] = unknown
        root = configuration.get("root_module")
        if not isinstance(root, dict):
            return
        by_base: dict[str, list[Vertex]] = {}
        for v in self.vertices:
            by_base.setdefault(_INDEX.sub("", v.address), []).append(v)
        known = {(s, t, label) for s, outs in self.out_edges.items() for t, label in outs}
        self._plan_expressions = plan_expressions(root)
        for source, target, label in plan_references(root):
            for s in by_base.get(source, []):
                for t in by_base.get(target, []):
                    if s.index != t.index and (s.index, t.index, label) not in known:
                        known.add((s.index, t.index, label))
                        self.out_edges.setdefault(s.index, []).append((t.index, label))
                        self.in_edges.setdefault(t.index, []).append((s.index, label))

    def unknown_after_apply(self, vertex: Vertex, attribute: str) -> bool:
        """In a plan scan: whether terraform knows `attribute` of the block (or any part of it)
        only after apply."""
        return _holds_true(self._after_unknown.get(vertex.address, {}).get(attribute))

    def unknown_in_block(self, vertex: Vertex, block: str, index: int) -> set[str]:
        """In a plan scan: the attributes of the `index`th nested `block` known only after apply."""
        blocks = self._after_unknown.get(vertex.address, {}).get(block)
        if not isinstance(blocks, list) or index >= len(blocks):
            return set()
        item = blocks[index]
        return {k for k, v in item.items() if _holds_true(v)} if isinstance(item, dict) else set()

    def find(self, conf: dict[str, Any]) -> list[Vertex]:
        """Every instance of the block a resource check is looking at."""
        address = conf.get("__address__")
        line = conf.get("__start_line__")
        return [
            v
            for v in self._by_address.get(str(address), [])
            if v.attr.get("__start_line__") == line
            and str(v.attr.get("file_path_", "")).endswith(self.scanned_file)
        ]

    def targets(self, vertex: Vertex, label_prefix: str = "") -> list[Vertex]:
        """Blocks that `vertex` references (optionally through attributes starting with a label)."""
        return [
            self._by_index[t]
            for t, label in self.out_edges.get(vertex.index, [])
            if label.startswith(label_prefix) and t in self._by_index and self.exists(t)
        ]

    def referrers(self, vertex: Vertex, type_: str | None = None) -> list[Vertex]:
        """Blocks that reference `vertex`, optionally of one type."""
        return [
            self._by_index[s]
            for s, _ in self.in_edges.get(vertex.index, [])
            if s in self._by_index
            and (type_ is None or self._by_index[s].type == type_)
            and self.exists(s)
        ]

    def expression_references(self, vertex: Vertex, label_prefix: str) -> list[str]:
        """In a plan scan: the references terraform's configuration gives for the vertex's
        attributes starting with `label_prefix` (`for_each` for its for_each expression)."""
        expressions = self._plan_expressions.get(_INDEX.sub("", vertex.address), {})
        return [
            r for label, refs in expressions.items() if label.startswith(label_prefix) for r in refs
        ]

    def users(
        self, vertex: Vertex, type_: str, label_prefix: str = "", absent: bool = False
    ) -> list[Vertex]:
        """Blocks of one type whose attribute (starting with `label_prefix`) references `vertex`,
        directly or through module outputs, calls, variables and locals (a bucket's policy
        attached in another module); blocks terraform never creates only when `absent`."""
        found: list[Vertex] = []
        seen: set[int] = {vertex.index}
        todo = [vertex]
        while todo:
            for source, label in self.in_edges.get(todo.pop().index, []):
                ref = self._by_index.get(source)
                if ref is None or ref.index in seen:
                    continue
                if ref.type == type_ and label.startswith(label_prefix):
                    seen.add(ref.index)
                    if absent or self.exists(ref.index):
                        found.append(ref)
                elif ref.kind in ("output", "module", "variable", "locals"):
                    seen.add(ref.index)
                    todo.append(ref)
        return found

    def of_type(self, type_: str, root: str | None = None) -> list[Vertex]:
        """Every resource/data block of one type, optionally only under one root configuration."""
        return [
            v
            for v in self._by_type.get(type_, [])
            if (root is None or self.root_of(v) == root) and self.exists(v.index)
        ]

    def presence(self, vertex: Vertex) -> tuple[str, str]:
        """Whether terraform creates the block (tpl_values.presence), computed once per vertex.

        A for_each over a root variable without a default looks empty (checkov renders it as
        `{}`) while terraform would ask for the value: undecided, not absent.
        """
        values = _values()
        if vertex.index not in self._presence:
            state = (values.PRESENT, "")
            self._presence[vertex.index] = state  # a reference cycle ends here
            if vertex.kind in ("resource", "data", "module"):
                state = values.presence(vertex.config)
                if state[0] == values.ABSENT and self.undefaulted_inputs(vertex, "for_each"):
                    state = (values.UNDECIDED, "for_each comes from a variable without a default")
            if vertex.kind in ("resource", "data") and state[0] != values.ABSENT:
                # A module call with count = 0 creates none of its blocks.
                for call in self._module_calls(vertex):
                    called = self.presence(call)
                    if called[0] == values.ABSENT:
                        state = called
                        break
                    if called[0] == values.UNDECIDED and state[0] == values.PRESENT:
                        state = (values.UNDECIDED, f"module.{call.name}: {called[1]}")
            self._presence[vertex.index] = state
        return self._presence[vertex.index]

    def _module_calls(self, vertex: Vertex) -> list[Vertex]:
        """The module blocks that instantiate `vertex`, innermost first."""
        if self._calls is None:
            self._calls = {}
            for v in self.vertices:
                if v.kind == "module":
                    key = (str(v.attr.get("file_path_", "")), v.name)
                    self._calls.setdefault(key, []).append(v)
        found: list[Vertex] = []
        module = vertex.attr.get("source_module_object_")
        while module is not None:
            if isinstance(module, dict):
                path, name, module = (
                    module.get("path"),
                    module.get("name"),
                    module.get("nested_tf_module"),
                )
            else:
                path, name = getattr(module, "path", None), getattr(module, "name", None)
                module = getattr(module, "nested_tf_module", None)
            found.extend(self._calls.get((str(path), str(name)), []))
        return found

    def exists(self, index: int) -> bool:
        """Whether the block at `index` may be created: a block with count = 0 or an empty
        for_each is no evidence for another block's check (the lookups leave it out)."""
        vertex = self._by_index.get(index)
        return vertex is None or self.presence(vertex)[0] != _values().ABSENT

    def doubt(self, vertex: Vertex) -> str | None:
        """Why it is unknown whether terraform creates the block (an unresolved count or
        for_each), or None: evidence from such a block makes a verdict unknown, never a pass."""
        state, why = self.presence(vertex)
        undecided = state == _values().UNDECIDED
        return f"{vertex.address}: {why} (it may not be created)" if undecided else None

    def connected(self, vertex: Vertex, types: Iterable[str]) -> list[Vertex]:
        """Blocks of `types` linked to `vertex` by an edge either way (as checkov's connection
        conditions see them) or using it through module outputs and variables, created or not."""
        wanted = set(types)
        indexes = {t for t, _ in self.out_edges.get(vertex.index, [])} | {
            s for s, _ in self.in_edges.get(vertex.index, [])
        }
        found = {
            v.index: v
            for v in (self._by_index.get(i) for i in indexes)
            if v is not None and v.type in wanted
        }
        for type_ in wanted:
            found.update((v.index, v) for v in self.users(vertex, type_, absent=True))
        return list(found.values())

    def root_of(self, vertex: Vertex) -> str:
        """`vertex.root`, computed once per vertex."""
        if vertex.index not in self._roots:
            self._roots[vertex.index] = vertex.root
        return self._roots[vertex.index]

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

    def undefaulted_inputs(self, vertex: Vertex, label_prefix: str) -> list[Vertex]:
        """Root variables without a default that an attribute's value comes from.

        checkov renders such a variable as an empty value of its type (`{}` for a map): a
        for_each over it looks empty while terraform would ask for the value.
        """
        found: list[Vertex] = []
        seen: set[int] = set()
        todo = [v for v in self.targets(vertex, label_prefix) if v.kind == "variable"]
        while todo:
            v = todo.pop()
            if v.index in seen:
                continue
            seen.add(v.index)
            calls = [c for c in self.targets(v) if c.kind == "module"]
            if not calls:
                if "default" not in v.config:
                    found.append(v)
                continue
            for call in calls:
                argument = v.name.split(".")[-1]
                todo.extend(t for t in self.targets(call, argument) if t.kind == "variable")
        return found


def _values() -> Any:
    """The tpl_values module, imported on first use: harness.policy.plan imports this module
    outside checkov, where the checks directory is not on sys.path."""
    import tpl_values  # type: ignore[import-not-found]  # on sys.path in checkov

    return tpl_values


ORIGINAL_CONFIGURATION = "harness_original_configuration"
# Instance keys in an address (`x.this["a"]`, `module.m[0].x`): plan configuration has none.
_INDEX = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class PlanScope:
    """One module of a plan's configuration: its body, address prefix and the call into it."""

    module: dict[str, Any]
    prefix: str
    call: dict[str, Any] | None = None
    parent: PlanScope | None = None


def plan_references(root: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(source address, target address, attribute) for every resource reference in a plan's
    configuration, followed through module outputs and module variables to the resource."""
    todo = [PlanScope(root, "")]
    while todo:
        scope = todo.pop()
        for resource in scope.module.get("resources", []):
            source = scope.prefix + str(resource.get("address", ""))
            for attribute, reference in labelled_references(resource.get("expressions") or {}):
                for target in resolve_reference(reference, scope, 0):
                    yield source, target, attribute
        for name, call in (scope.module.get("module_calls") or {}).items():
            todo.append(
                PlanScope(call.get("module") or {}, f"{scope.prefix}module.{name}.", call, scope)
            )


def plan_expressions(root: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Per resource address: attribute path -> references, `for_each` and `count` included."""
    found: dict[str, dict[str, list[str]]] = {}
    todo = [(root, "")]
    while todo:
        module, prefix = todo.pop()
        for resource in module.get("resources", []):
            entry = found.setdefault(prefix + str(resource.get("address", "")), {})
            for label, reference in labelled_references(resource.get("expressions") or {}):
                entry.setdefault(label, []).append(reference)
            for meta in ("for_each", "count"):
                refs = (resource.get(f"{meta}_expression") or {}).get("references") or []
                entry.setdefault(meta, []).extend(str(r) for r in refs)
        for name, call in (module.get("module_calls") or {}).items():
            todo.append((call.get("module") or {}, f"{prefix}module.{name}."))
    return found


def labelled_references(expressions: dict[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """(attribute path, reference) for a resource's expressions; nested blocks give dotted
    paths (`ingress.security_groups`), as checkov labels its edges."""
    for key, value in expressions.items():
        label = f"{path}.{key}" if path else key
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, dict):
                continue
            if "references" in item or "constant_value" in item:
                yield from ((label, str(r)) for r in item.get("references") or [])
            else:
                yield from labelled_references(item, label)


def references_in(expression: Any) -> list[str]:
    """Every `references` entry in an expression (blocks nest as dicts and lists of dicts)."""
    if isinstance(expression, list):
        return [r for item in expression for r in references_in(item)]
    if not isinstance(expression, dict):
        return []
    found = [str(r) for r in expression.get("references") or []]
    for key, value in expression.items():
        if key != "references" and isinstance(value, (dict, list)):
            found.extend(references_in(value))
    return found


def resolve_reference(reference: str, scope: PlanScope, depth: int) -> Iterator[str]:
    """The resource addresses a reference in `scope` leads to."""
    if depth > 20:
        return
    parts = reference.split(".")
    if parts[0] == "module" and len(parts) >= 3:
        call = (scope.module.get("module_calls") or {}).get(_INDEX.sub("", parts[1]))
        if not call:
            return
        inner = PlanScope(
            call.get("module") or {}, f"{scope.prefix}module.{parts[1]}.", call, scope
        )
        output = (inner.module.get("outputs") or {}).get(parts[2]) or {}
        for ref in references_in(output.get("expression") or {}):
            yield from resolve_reference(ref, inner, depth + 1)
    elif parts[0] == "var" and len(parts) >= 2 and scope.call and scope.parent:
        argument = (scope.call.get("expressions") or {}).get(parts[1])
        for ref in references_in(argument or {}):
            yield from resolve_reference(ref, scope.parent, depth + 1)
    elif parts[0] == "data" and len(parts) >= 3:
        yield scope.prefix + _INDEX.sub("", ".".join(parts[:3]))
    elif parts[0].startswith("aws_") and len(parts) >= 2:
        yield scope.prefix + _INDEX.sub("", ".".join(parts[:2]))


def _holds_true(value: Any) -> bool:
    """Whether an `after_unknown` value marks anything unknown (true at any depth)."""
    if isinstance(value, dict):
        return any(_holds_true(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_true(v) for v in value)
    return value is True


def names_of(vertices: Iterable[Vertex]) -> str:
    """Addresses for a message."""
    return ", ".join(sorted({v.address for v in vertices})) or "(none)"
