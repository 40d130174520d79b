"""The terraform roots as data: every order the harness uses derives from harness.roots."""

from __future__ import annotations

import pytest

from harness import roots
from harness.errors import UsageError
from harness.paths import TEMPLATE_DIR
from harness.roots import Root, apply_order, dependents, destroy_order, with_dependencies

pytestmark = pytest.mark.unit


def test_roots_table_names_every_root_directory_of_the_template() -> None:
    """A root directory missing from the table (or a stale entry) fails here, not in a run."""
    on_disk = {
        str(d.relative_to(TEMPLATE_DIR))
        for d in TEMPLATE_DIR.glob("**/backend.tf")
        for d in [d.parent]
    } | {"bootstrap"}
    assert {r.path for r in roots.ROOTS} == on_disk


def test_roots_table_is_already_in_dependency_order() -> None:
    assert apply_order() == tuple(r.name for r in roots.ROOTS)


def test_roots_with_dependencies_of_production() -> None:
    assert with_dependencies(["production"]) == ("bootstrap", "global", "production")
    assert with_dependencies(["staging", "production"]) == (
        "bootstrap",
        "global",
        "staging",
        "production",
    )


def test_roots_destroy_order_puts_dependents_first() -> None:
    assert destroy_order(["global", "production", "bootstrap"]) == (
        "production",
        "global",
        "bootstrap",
    )
    assert dependents("global") == ("staging", "production")


def test_roots_unknown_name_is_a_usage_error_listing_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown terraform root 'prod'; known: bootstrap"):
        with_dependencies(["prod"])


def test_roots_a_new_root_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = (*roots.ROOTS, Root("dr", "environments/dr", depends_on=("production",)))
    monkeypatch.setattr(roots, "ROOTS", extra)
    monkeypatch.setattr(roots, "BY_NAME", {r.name: r for r in extra})
    assert with_dependencies(["dr"]) == ("bootstrap", "global", "production", "dr")
    assert destroy_order(["dr", "global"])[0] == "dr"


def test_roots_cycle_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    cyclic = (Root("a", "a", depends_on=("b",)), Root("b", "b", depends_on=("a",)))
    monkeypatch.setattr(roots, "ROOTS", cyclic)
    monkeypatch.setattr(roots, "BY_NAME", {r.name: r for r in cyclic})
    with pytest.raises(UsageError, match="cycle: a, b"):
        apply_order()
