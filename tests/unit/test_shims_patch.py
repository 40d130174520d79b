"""The shim helper: wraps once, installs once, refuses two shims on one attribute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.shims._patch import ShimConflict, define, installed_by, patch

pytestmark = pytest.mark.unit


class Backend:
    """Stands in for a moto class."""

    def delete(self, name: str) -> str:
        return f"deleted {name}"

    @property
    def state(self) -> str:
        return "deleting"


def install_delete_shim(module: str = "harness.shims.demo") -> None:
    """What a shim's apply() does: wrap `delete`, calling the original."""

    def delete(original: Callable[..., Any], self: Backend, name: str) -> str:
        return original(self, name) + " and gone"

    delete.__module__ = module
    patch(Backend, "delete")(delete)


@pytest.fixture(autouse=True)
def fresh_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo every patch after each test."""
    monkeypatch.setattr(Backend, "delete", Backend.__dict__["delete"])
    monkeypatch.setattr(Backend, "state", Backend.__dict__["state"])
    monkeypatch.delattr(Backend, "added", raising=False)


def test_shims_patch_wraps_with_the_original_and_marks() -> None:
    """The wrapper calls the shim with moto's original first, and names the shim module."""
    install_delete_shim()
    assert Backend().delete("g") == "deleted g and gone"
    assert installed_by(Backend, "delete") == "harness.shims.demo"
    assert Backend.delete.__name__ == "delete"


def test_shims_patch_is_idempotent() -> None:
    """Applying the same shim twice wraps once."""
    install_delete_shim()
    install_delete_shim()
    assert Backend().delete("g") == "deleted g and gone"


def test_shims_patch_refuses_a_second_shim_on_one_attribute() -> None:
    """Two shims on one attribute fail at once: the order shims apply in can never matter."""
    install_delete_shim("harness.shims.first")
    with pytest.raises(ShimConflict, match=r"harness\.shims\.first"):
        install_delete_shim("harness.shims.second")


def test_shims_patch_refuses_what_moto_lacks() -> None:
    """Wrapping an attribute moto does not have (say, after an upgrade) fails loudly."""

    def gone(original: Callable[..., Any], self: Backend) -> None:
        return None

    with pytest.raises(ShimConflict, match=r"Backend\.vanished"):
        patch(Backend, "vanished")(gone)


def test_shims_define_adds_methods_and_properties_once() -> None:
    """`define` installs a new method, or a property in place of moto's, idempotently."""

    def added(self: Backend) -> str:
        return "new action"

    def state(self: Backend) -> str:
        return "gone"

    for _ in range(2):
        define(Backend, "added")(added)
        define(Backend, "state", as_property=True)(state)
    assert Backend().added() == "new action"  # type: ignore[attr-defined]
    assert Backend().state == "gone"
    assert installed_by(Backend, "state") == __name__
    assert installed_by(Backend, "delete") is None
