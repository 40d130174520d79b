"""Stack bookkeeping with a fake runner: what counts as applied, and what teardown destroys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.account import Account, Seed
from harness.errors import HarnessError, TerraformError
from harness.stack import Stack, destroy_applied

pytestmark = pytest.mark.unit


@dataclass
class FakeRunner:
    """Records calls; applies or destroys of the roots named in `failing` raise."""

    name: str
    calls: list[str]
    failing: set[str] = field(default_factory=set)

    def apply(self) -> str:
        self.calls.append(f"apply {self.name}")
        if f"apply {self.name}" in self.failing:
            raise TerraformError(f"terraform apply failed in {self.name}")
        return ""

    def destroy(self) -> str:
        self.calls.append(f"destroy {self.name}")
        if f"destroy {self.name}" in self.failing:
            raise TerraformError(f"terraform destroy failed in {self.name}")
        return ""


def fake_stack(tmp_path: Path, failing: set[str]) -> tuple[Stack, list[str]]:
    account = Account(kind="moto", region="eu-west-1", run_id="t1")
    seed = Seed("t1", "eu-west-1", "t1.example", "b", "t", "z", {}, {})
    stack = Stack(account=account, seed=seed, workdir=tmp_path)
    calls: list[str] = []
    for name in ("bootstrap", "global", "staging", "production"):
        stack.runners[name] = FakeRunner(name, calls, failing)  # type: ignore[assignment]
    return stack, calls


def test_stack_failed_apply_is_attempted_not_applied(tmp_path: Path) -> None:
    """After a failed apply, the root is not applied: a later ensure applies it again."""
    stack, calls = fake_stack(tmp_path, {"apply production"})
    with pytest.raises(TerraformError):
        stack.ensure("production")
    assert stack.applied == ["bootstrap", "global"]
    assert stack.attempted == ["bootstrap", "global", "production"]
    with pytest.raises(TerraformError):
        stack.ensure("production")
    assert calls.count("apply production") == 2
    assert calls.count("apply global") == 1


def test_stack_ensure_applies_dependencies_first_once(tmp_path: Path) -> None:
    stack, calls = fake_stack(tmp_path, set())
    stack.ensure("staging")
    stack.ensure("production")
    assert calls == ["apply bootstrap", "apply global", "apply staging", "apply production"]


def test_stack_teardown_destroys_attempted_dependents_first_despite_a_failure(
    tmp_path: Path,
) -> None:
    """A failing destroy does not skip the others; every failure is reported."""
    stack, calls = fake_stack(tmp_path, {"apply production", "destroy staging"})
    stack.ensure("staging")
    with pytest.raises(TerraformError):
        stack.ensure("production")
    calls.clear()
    with pytest.raises(HarnessError, match="destroy failed: terraform destroy failed in staging"):
        destroy_applied(stack, progress=lambda _: None)
    assert calls == ["destroy production", "destroy staging", "destroy global", "destroy bootstrap"]
    assert stack.attempted == ["staging"]


def test_stack_keep_prints_a_hint_that_deletes_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    stack, calls = fake_stack(tmp_path, set())
    assert stack.record() == tmp_path / "cache" / "runs" / "t1" / "run.json"
    stack.ensure("global")
    lines: list[str] = []
    destroy_applied(stack, keep=True, progress=lines.append)
    assert calls == ["apply bootstrap", "apply global"]
    assert lines[0].endswith("delete with: python -m harness account down --run-id t1")


def test_stack_adopt_counts_what_state_holds_in_dependency_order(tmp_path: Path) -> None:
    """Attaching: a root counts as applied when its state holds resources and its dependencies
    are up; a root whose dependencies are down is not even asked (its backend may not exist)."""
    stack, calls = fake_stack(tmp_path, set())
    up = {"bootstrap", "staging"}
    asked: list[str] = []

    def in_state(name: str) -> bool:
        asked.append(name)
        return name in up

    stack.in_state = in_state  # type: ignore[method-assign]
    assert stack.adopt_applied() == ["bootstrap"]
    assert asked == ["bootstrap", "global"]
    stack.ensure("staging")
    assert calls == ["apply global", "apply staging"]
