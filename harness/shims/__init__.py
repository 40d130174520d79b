"""Shims for gaps in the moto emulator, applied only to the moto server the harness starts.

Each shim is a module here (a name not starting with `_`) with an `apply()` function whose
docstring's first line names the gap, starting with "moto ". `apply()` changes moto only
through `harness.shims._patch` (`patch` wraps a moto attribute, `define` adds one), which
makes it idempotent and refuses two shims touching one attribute. Shims are found by
listing this package and applied in alphabetical order of module name; since no two shims
share an attribute, the order does not change the result. A new shim is one new module
plus its `check_<name>` in tests/integration/test_moto_shims.py (a unit test enforces it).
The template is never changed for the emulator; the emulator is made faithful instead.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


def discover() -> tuple[str, ...]:
    """The shim module names in this package, in alphabetical order (the order applied)."""
    names = (info.name for info in pkgutil.iter_modules(__path__))
    return tuple(sorted(name for name in names if not name.startswith("_")))


SHIM_MODULES: tuple[str, ...] = discover()


@dataclass(frozen=True)
class Shim:
    """One emulator gap and the function that fills it."""

    name: str
    gap: str
    apply: Callable[[], None]


def load(name: str) -> Shim:
    """Import the shim module `name` and describe it."""
    if name not in SHIM_MODULES:
        raise KeyError(f"unknown moto shim {name!r}; known: {', '.join(SHIM_MODULES)}")
    module = importlib.import_module(f"harness.shims.{name}")
    doc = (module.apply.__doc__ or "").strip().splitlines()[0]
    return Shim(name=name, gap=doc, apply=module.apply)


def all_shims() -> list[Shim]:
    """Every shim the harness applies by default, in order."""
    return [load(name) for name in SHIM_MODULES]


def apply(names: tuple[str, ...] = SHIM_MODULES) -> None:
    """Apply the named shims to the moto backends of this process."""
    for name in names:
        load(name).apply()
