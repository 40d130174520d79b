"""The one stage timer and the one polling loop."""

from __future__ import annotations

import pytest

from harness.stages import Stages, poll_until, run_all

pytestmark = pytest.mark.unit


def test_stages_poll_until_reports_each_reading_and_whether_it_reached() -> None:
    readings = iter([1, 2, 3, 4])
    lines: list[str] = []
    value, reached = poll_until(
        lambda: next(readings), lambda v: v >= 3, lambda v: f"at {v}", 5, 0, lines.append
    )
    assert (value, reached) == (3, True)
    assert [line.split(" after ")[0] for line in lines] == ["  at 1", "  at 2", "  at 3"]


def test_stages_poll_until_gives_the_last_reading_on_timeout() -> None:
    value, reached = poll_until(lambda: 7, lambda v: False, str, 0.05, 0.01, lambda _: None)
    assert (value, reached) == (7, False)


def test_stages_run_all_runs_every_step_and_returns_the_errors() -> None:
    stages = Stages(out=lambda _: None)
    done: list[str] = []

    def fail() -> None:
        done.append("b")
        raise RuntimeError("b broke")

    errors = run_all(
        stages, [("a", lambda: done.append("a")), ("b", fail), ("c", lambda: done.append("c"))]
    )
    assert done == ["a", "b", "c"]
    assert [str(e) for e in errors] == ["b broke"]
    assert [s.name for s in stages.failed] == ["b"]
    assert "total" in stages.summary()
