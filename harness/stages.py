"""Named, timed stages with progress lines: the one stage timer of the harness."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tenacity import RetryError, retry, retry_if_result, stop_after_delay, wait_fixed

Progress = Callable[[str], None]
T = TypeVar("T")


@dataclass
class Stage:
    """One finished stage: its name, how long it took and what it returned or raised."""

    name: str
    seconds: float
    result: str
    ok: bool = True


@dataclass
class Stages:
    """Runs stages in order, printing `[elapsed] name ...` lines, and keeps them for a summary."""

    out: Progress = print
    done: list[Stage] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def run(self, name: str, step: Callable[[], T]) -> T:
        """Run one stage; its result (a string, or "ok") or its error is recorded and printed."""
        self.out(f"[{self.elapsed():6.1f}s] {name} ...")
        began = time.monotonic()
        try:
            result = step()
        except BaseException as error:
            took = time.monotonic() - began
            self.done.append(Stage(name, took, f"FAILED: {error}", ok=False))
            self.out(f"[{self.elapsed():6.1f}s] {name} FAILED after {took:.1f}s")
            raise
        took = time.monotonic() - began
        summary = result if isinstance(result, str) else "ok"
        self.done.append(Stage(name, took, summary))
        self.out(f"[{self.elapsed():6.1f}s] {name} done in {took:.1f}s: {summary}")
        return result

    def elapsed(self) -> float:
        """Seconds since the first stage was created."""
        return time.monotonic() - self.started

    @property
    def failed(self) -> list[Stage]:
        """The stages that raised."""
        return [s for s in self.done if not s.ok]

    def summary(self) -> str:
        """The stages as a table with their times."""
        width = max([len(s.name) for s in self.done] + [5])
        lines = [f"{'stage'.ljust(width)}  {'seconds':>7}  result", "-" * (width + 30)]
        for s in self.done:
            first = s.result.strip().splitlines()[0] if s.result.strip() else ""
            lines.append(f"{s.name.ljust(width)}  {s.seconds:7.1f}  {first[:70]}")
        lines.append(f"{'total'.ljust(width)}  {self.elapsed():7.1f}")
        return "\n".join(lines)


def run_all(stages: Stages, steps: Sequence[tuple[str, Callable[[], Any]]]) -> list[BaseException]:
    """Run every step even when one fails (teardown): the errors, in order."""
    errors: list[BaseException] = []
    for name, step in steps:
        try:
            stages.run(name, step)
        except Exception as error:
            errors.append(error)
    return errors


def poll_until(
    read: Callable[[], T],
    reached: Callable[[T], bool],
    describe: Callable[[T], str],
    timeout: float,
    interval: float,
    progress: Progress,
) -> tuple[T, bool]:
    """Read every `interval` s until `reached` or `timeout`, printing each reading with its
    time; the last reading and whether it reached the state (the one polling loop)."""
    started = time.monotonic()

    def still_waiting(value: T) -> bool:
        progress(f"  {describe(value)} after {time.monotonic() - started:.0f}s")
        return not reached(value)

    @retry(
        retry=retry_if_result(still_waiting),
        stop=stop_after_delay(timeout),
        wait=wait_fixed(interval),
    )
    def reading_reaches_the_state() -> T:
        return read()

    try:
        return reading_reaches_the_state(), True
    except RetryError as error:
        return error.last_attempt.result(), False
