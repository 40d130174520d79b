"""The release rehearsal's own logic (fake account and stack): teardown always runs whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from harness import rehearsal
from harness.bluegreen import Colour, Release
from harness.errors import HarnessError, ReleaseError
from harness.rehearsal import Rehearsal

pytestmark = pytest.mark.unit

RELEASE = Release(
    colours={
        "blue": Colour(version="v1.0.0", capacity=0, weight=0),
        "green": Colour(version="v2.0.0", capacity=2, weight=100),
    }
)


@dataclass
class FakeStack:
    calls: list[str]
    failing: set[str]
    attempted: list[str] = field(default_factory=list)

    def apply(self, name: str) -> None:
        self.attempted.append(name)
        self.calls.append(f"apply {name}")

    def destroy(self, name: str) -> None:
        self.calls.append(f"destroy {name}")
        if f"destroy {name}" in self.failing:
            raise HarnessError(f"destroy of {name} failed")

    def record(self) -> None:
        self.calls.append("record")

    def forget(self) -> None:
        self.calls.append("forget")


class FakeLoad:
    """The load's interface, sending nothing."""

    missed = 0

    def __init__(self, url: str, **options: Any) -> None:
        self.stages: list[str] = []

    def start(self) -> FakeLoad:
        return self

    def stage(self, name: str, weights: Any = None) -> None:
        self.stages.append(name)

    def header(self, colour: str | None) -> None:
        pass

    def stop(self) -> list[Any]:
        return []


def rehearse(monkeypatch: pytest.MonkeyPatch, failing: set[str]) -> tuple[Rehearsal, list[str]]:
    calls: list[str] = []
    stack = FakeStack(calls, failing)

    class FakeTool:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

        def deploy(self, version: str) -> Release:
            if "deploy" in failing:
                raise ReleaseError("green never became healthy; blue keeps 100%")
            return RELEASE

        def promote(self, steps: tuple[int, ...]) -> Release:
            return RELEASE

        def retire(self) -> Release:
            return RELEASE

        def status(self) -> list[Any]:
            return []

    monkeypatch.setattr(rehearsal, "terraform_binary", lambda: "terraform")
    monkeypatch.setattr(rehearsal, "open_account", lambda *a, **k: object())
    monkeypatch.setattr(rehearsal, "seed", lambda account: object())
    monkeypatch.setattr(rehearsal.Stack, "create", lambda *a, **k: stack)
    monkeypatch.setattr(rehearsal, "publish_ami", lambda *a, **k: "ami-1")
    monkeypatch.setattr(rehearsal.TerraformPlatform, "for_stack", lambda s: None)
    monkeypatch.setattr(rehearsal, "ReleaseTool", FakeTool)
    monkeypatch.setattr(rehearsal, "try_colour", lambda platform, colour: "green answered")
    monkeypatch.setattr(rehearsal, "status_table", lambda rows: "table")
    monkeypatch.setattr(rehearsal, "listener_url", lambda platform: "https://127.0.0.1:9")
    monkeypatch.setattr(rehearsal, "Load", FakeLoad)
    monkeypatch.setattr(
        Rehearsal, "_traffic_report", lambda self, samples, load: calls.append("report") or "ok"
    )
    monkeypatch.setattr(rehearsal, "_left", lambda account: calls.append("count") or "0 left")
    monkeypatch.setattr(rehearsal, "_stop", lambda account, keep: calls.append("stop") or "ok")
    return Rehearsal(out=lambda _: None, hold=0.0), calls


def test_rehearsal_failed_release_still_tears_everything_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A refused deploy re-raises (its exit code, 3) after every destroy, the count and the stop."""
    run, calls = rehearse(monkeypatch, {"deploy", "destroy global"})
    with pytest.raises(ReleaseError, match="never became healthy"):
        run.run()
    teardown = calls[calls.index("destroy production") :]
    assert teardown == [
        "destroy production",
        "destroy global",
        "destroy bootstrap",
        "count",
        "stop",
    ]
    assert [s.name for s in run.stages.failed] == ["deploy v2.0.0 to green", "destroy global"]
    assert "forget" not in calls


def test_rehearsal_teardown_failure_fails_a_passed_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """The release held but a destroy failed: not exit 0, and the run record is kept."""
    run, calls = rehearse(monkeypatch, {"destroy production"})
    with pytest.raises(HarnessError, match="release passed but teardown failed: destroy of prod"):
        run.run()
    assert calls[-3:] == ["destroy bootstrap", "count", "stop"]
    assert "forget" not in calls


def test_rehearsal_clean_run_returns_zero_and_forgets_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run, calls = rehearse(monkeypatch, set())
    assert run.run() == 0
    assert calls[0] == "record"
    assert calls.index("report") < calls.index("destroy production")
    assert calls[-2:] == ["stop", "forget"]
    assert not run.stages.failed


def test_rehearsal_failed_traffic_fails_the_run_after_teardown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed request (the traffic report raises) fails the release; teardown still runs."""
    run, calls = rehearse(monkeypatch, set())

    def failing_report(self: Rehearsal, samples: list[Any], load: Any) -> str:
        raise ReleaseError("traffic: 1 problem(s) in 10 requests: stage 'retire': 1 x status 503")

    monkeypatch.setattr(Rehearsal, "_traffic_report", failing_report)
    with pytest.raises(ReleaseError, match="status 503"):
        run.run()
    assert calls[-4:] == ["destroy bootstrap", "count", "stop", "forget"]
    assert [s.name for s in run.stages.failed] == ["traffic report"]
