"""`make bluegreen`: a whole blue/green release on an ephemeral account, stage by stage."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from harness.account import Account, open_account, publish_ami, seed
from harness.bluegreen import ReleaseTool, TerraformPlatform, status_table, try_colour
from harness.stack import Stack
from harness.sweep import live_resources, teardown_account
from harness.terraform import terraform_binary

NEW_VERSION = "v2.0.0"


@dataclass
class Stage:
    """One timed stage of the demo."""

    name: str
    seconds: float
    result: str


@dataclass
class Demo:
    """The release walk-through; stages are recorded for the summary table."""

    kind: str = "moto"
    run_id: str = "demo"
    keep: bool = False
    steps: tuple[int, ...] = (10, 50, 100)
    source_image_id: str | None = None
    workdir: Path | None = None
    out: Callable[[str], None] = print
    stages: list[Stage] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def stage(self, name: str, step: Callable[[], Any]) -> Any:
        """Run one stage with progress lines carrying the elapsed time."""
        self.out(f"[{self._elapsed()}] {name} ...")
        began = time.monotonic()
        try:
            result = step()
        except BaseException as error:
            self.stages.append(Stage(name, time.monotonic() - began, f"FAILED: {error}"))
            self.out(f"[{self._elapsed()}] {name} FAILED after {time.monotonic() - began:.1f}s")
            raise
        summary = result if isinstance(result, str) else "ok"
        self.stages.append(Stage(name, time.monotonic() - began, summary))
        self.out(f"[{self._elapsed()}] {name} done in {time.monotonic() - began:.1f}s: {summary}")
        return result

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:6.1f}s"

    def run(self) -> int:
        """Every stage of the release, teardown always; 0 when all passed."""
        self.stage("set-up", lambda: f"terraform at {terraform_binary()}")
        account: Account = self.stage(
            f"start account ({self.kind})", lambda: open_account(self.kind, self.run_id)
        )
        stack: Stack | None = None
        failed = False
        try:
            seeded = self.stage("seed account", lambda: seed(account))
            stack = Stack.create(account, seeded, into=self.workdir)
            applied: list[str] = []
            for root, label in (
                ("bootstrap", "bootstrap state"),
                ("global", "apply global"),
                ("production", "apply production (blue live at v1.0.0)"),
            ):
                applied.append(root)
                self.stage(label, partial(stack.apply, root))
            self.stage(f"publish AMI {NEW_VERSION}", lambda: self._publish(account))
            platform = TerraformPlatform(stack)
            tool = ReleaseTool(platform, progress=self.out, interval=2.0)
            self.stage(f"deploy {NEW_VERSION} to green", lambda: _fmt(tool.deploy(NEW_VERSION)))
            self.stage("try green via X-Colour header", lambda: try_colour(platform, "green"))
            self.stage(
                f"promote in steps {','.join(map(str, self.steps))}",
                lambda: _fmt(tool.promote(self.steps)),
            )
            self.stage("retire blue", lambda: _fmt(tool.retire()))
            self.stage("status", lambda: "\n" + status_table(tool.status()))
        except BaseException:
            failed = True
            raise
        finally:
            if stack is not None and not self.keep:
                for root in reversed(list(stack.runners)):
                    self.stage(f"destroy {root}", partial(stack.destroy, root))
                self.stage("count what is left", lambda: _left(account))
            self.stage("stop account", lambda: _stop(account, self.keep))
            self.out(self.summary())
            if failed:
                self.out("release FAILED; the table above shows the stage")
        return 0

    def _publish(self, account: Account) -> str:
        image = publish_ami(
            account, "api", "production", NEW_VERSION, source_image_id=self.source_image_id
        )
        return f"{image} (component=api, environment=production, version={NEW_VERSION})"

    def summary(self) -> str:
        """The stages as a table with their times."""
        width = max(len(s.name) for s in self.stages)
        lines = [f"{'stage'.ljust(width)}  {'seconds':>7}  result", "-" * (width + 30)]
        for s in self.stages:
            first = s.result.strip().splitlines()[0] if s.result.strip() else ""
            lines.append(f"{s.name.ljust(width)}  {s.seconds:7.1f}  {first[:70]}")
        lines.append(f"{'total'.ljust(width)}  {time.monotonic() - self.started:7.1f}")
        return "\n".join(lines)


def _fmt(release: Any) -> str:
    return " / ".join(
        f"{n} {c.version} x{c.capacity} {c.weight}%" for n, c in release.colours.items()
    )


def _left(account: Account) -> str:
    left = live_resources(account, account.run_id)
    if left:
        raise RuntimeError(
            f"{len(left)} resources of run {account.run_id} outlived destroy: "
            + ", ".join(r.arn for r in left[:10])
        )
    return "0 resources created by terraform remain"


def _stop(account: Account, keep: bool) -> str:
    report = teardown_account(account, keep=keep)
    if report is None:
        return "kept"
    if not report.ok:
        raise RuntimeError(f"sweep could not delete: {report.failed}")
    return f"swept {len(report.deleted)} seeded resources; stopped"


def main(argv: list[str] | None = None) -> int:
    """Entry point used by tests: run the demo with defaults."""
    return Demo(out=lambda line: print(line, flush=True)).run()


if __name__ == "__main__":
    sys.exit(main())
