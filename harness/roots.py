"""The template's terraform roots as data: name, directory, dependencies. Every order derives here.

A new root is one line in ROOTS: the stack, the release commands, the rehearsal and the pytest
fixtures (`<name>_root`) all read this table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from harness.errors import UsageError


@dataclass(frozen=True)
class Root:
    """One terraform root of the template."""

    name: str
    path: str  # relative to terraform/
    depends_on: tuple[str, ...] = ()
    remote_state: bool = True  # False: state stays local (bootstrap creates the backend)


ROOTS: tuple[Root, ...] = (
    Root("bootstrap", "bootstrap", remote_state=False),
    Root("global", "environments/global", depends_on=("bootstrap",)),
    Root("staging", "environments/staging", depends_on=("global",)),
    Root("production", "environments/production", depends_on=("global",)),
)
BY_NAME = {root.name: root for root in ROOTS}
# The environment whose blue/green release the release commands drive.
RELEASE_ROOT = "production"


def root(name: str) -> Root:
    """The root called `name`, or a UsageError listing the known ones."""
    if name not in BY_NAME:
        raise UsageError(f"unknown terraform root {name!r}; known: {', '.join(BY_NAME)}")
    return BY_NAME[name]


def with_dependencies(names: Iterable[str]) -> tuple[str, ...]:
    """`names` and every root they depend on, dependencies first (a topological order)."""
    needed: set[str] = set()

    def visit(name: str) -> None:
        if name not in needed:
            needed.add(name)
            for dependency in root(name).depends_on:
                visit(dependency)

    for name in names:
        visit(name)
    return apply_order(needed)


def apply_order(names: Iterable[str] | None = None) -> tuple[str, ...]:
    """`names` (default: all roots) sorted so that every root follows what it depends on."""
    wanted = set(BY_NAME if names is None else names)
    for name in wanted:
        root(name)
    ordered: list[str] = []
    remaining = [r for r in ROOTS if r.name in wanted]
    while remaining:
        ready = [r for r in remaining if all(d in ordered or d not in wanted for d in r.depends_on)]
        if not ready:
            cycle = ", ".join(r.name for r in remaining)
            raise UsageError(f"roots depend on each other in a cycle: {cycle}")
        ordered.extend(r.name for r in ready)
        remaining = [r for r in remaining if r not in ready]
    return tuple(ordered)


def destroy_order(names: Iterable[str]) -> tuple[str, ...]:
    """`names` in the order to destroy them: dependents before what they depend on."""
    return tuple(reversed(apply_order(names)))


def dependents(name: str) -> tuple[str, ...]:
    """Roots that depend on `name`, directly or not (destroying `name` breaks them)."""
    found = [r.name for r in ROOTS if name in with_dependencies((r.name,)) and r.name != name]
    return apply_order(found)
