"""The one way a shim changes moto: `patch` wraps an attribute, `define` installs a new one.

Both mark what they install with the name of the shim module that installed it, so applying
a shim twice changes nothing, and two shims that touch the same attribute fail at once
(each gap has exactly one shim; the order shims are applied in can then never matter).
A wrapped attribute that moto no longer has fails too, so a moto upgrade that moves a
method breaks the shim loudly instead of leaving the gap silently open.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

MARK = "_harness_shim"
F = TypeVar("F", bound=Callable[..., Any])


class ShimConflict(RuntimeError):
    """Two shims install the same attribute, or a shim wraps one moto does not have."""


def installed_by(owner: Any, name: str) -> str | None:
    """The shim module that installed `owner.name` (None for moto's own attribute)."""
    current = inspect.getattr_static(owner, name, None)
    target = current.fget if isinstance(current, property) else current
    mark = getattr(target, MARK, None)
    return mark if isinstance(mark, str) else None


def _already(owner: Any, name: str, shim: str) -> bool:
    """Whether `shim` already installed `owner.name`; a different shim's mark is a conflict."""
    mark = installed_by(owner, name)
    if mark is not None and mark != shim:
        raise ShimConflict(f"{owner.__qualname__}.{name}: installed by {mark}, not {shim}")
    return mark == shim


def patch(owner: Any, name: str) -> Callable[[F], F]:
    """Decorator: wrap `owner.name`; the function gets moto's original as its first argument.

    `@patch(Backend, "delete")` over `def delete(original, self, *args)` makes
    `Backend.delete(self, *args)` call it. Applying twice wraps once.
    """

    def install(replacement: F) -> F:
        shim = replacement.__module__
        if _already(owner, name, shim):
            return replacement
        if not hasattr(owner, name):
            raise ShimConflict(f"{shim}: moto has no {owner.__qualname__}.{name} to patch")
        original = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return replacement(original, *args, **kwargs)

        # Named like what it replaces; no __wrapped__, so no signature shows `original`.
        wrapper.__name__ = name
        wrapper.__qualname__ = f"{owner.__qualname__}.{name}"
        wrapper.__doc__ = replacement.__doc__ or getattr(original, "__doc__", None)
        setattr(wrapper, MARK, shim)
        setattr(owner, name, wrapper)
        return replacement

    return install


def define(owner: Any, name: str, *, as_property: bool = False) -> Callable[[F], F]:
    """Decorator: install the function as `owner.name` (a property with `as_property`).

    For what moto lacks (a missing API action) or gets wrong without needing its original
    (a property read from the wrong field). Applying twice installs once.
    """

    def install(function: F) -> F:
        shim = function.__module__
        if _already(owner, name, shim):
            return function
        setattr(function, MARK, shim)
        setattr(owner, name, property(function) if as_property else function)
        return function

    return install
