"""`make bluegreen`: rehearse a whole blue/green release on an ephemeral account, stage by stage.

Set-up, release and teardown are separate phases: every teardown step runs even when an
earlier one failed, and the exit code says whether the release and the teardown both held.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from harness.account import Account, open_account, publish_ami, seed
from harness.bluegreen import ReleaseTool, status_table
from harness.errors import HarnessError, ReleaseError
from harness.paths import REPORTS_DIR
from harness.platform import TerraformPlatform, listener_url, try_colour
from harness.roots import RELEASE_ROOT, destroy_order, with_dependencies
from harness.stack import Stack, destroy_hint
from harness.stages import Progress, Stages, run_all
from harness.sweep import live_resources, teardown_account
from harness.terraform import terraform_binary
from harness.traffic import (
    Load,
    failed,
    plot,
    report_document,
    share_problems,
    summarise,
    table,
    write_report,
)

NEW_VERSION = "v2.0.0"
DEPLOY_STAGE = f"deploy {NEW_VERSION} to green"
# The bounded load that runs from deploy to retire: clients, requests per second over all of
# them, its hard limits, and the share of requests sent with X-Colour: green once green is up.
TRAFFIC = {"clients": 4, "rate": 40.0, "max_requests": 40_000, "max_seconds": 1200.0}
HEADER_SHARE = 0.1
# Seconds each release step's weights carry traffic after the step, before the next one.
HOLD_SECONDS = 5.0


@dataclass
class Rehearsal:
    """A release rehearsal: deploy, try, promote in steps and retire, then tear down."""

    kind: str = "moto"
    run_id: str = "rehearsal"
    keep: bool = False
    steps: tuple[int, ...] = (10, 50, 100)
    source_image_id: str | None = None
    workdir: Path | None = None
    out: Progress = print
    stages: Stages = field(init=False)
    traffic_url: str = field(init=False, default="")
    hold: float = HOLD_SECONDS

    def __post_init__(self) -> None:
        self.stages = Stages(self.out)

    def run(self) -> int:
        """Every stage, teardown always; 0 only when the release and the teardown both held."""
        stage = self.stages.run
        stage("set-up", lambda: f"terraform at {terraform_binary()}")
        account: Account = stage(
            f"start account ({self.kind})",
            lambda: open_account(self.kind, self.run_id, detach=self.keep),
        )
        stack: Stack | None = None
        try:
            seeded = stage("seed account", lambda: seed(account))
            stack = Stack.create(account, seeded, into=self.workdir)
            stack.record()  # a killed rehearsal can still be deleted with `account down`
            self._release(stack, account)
        except BaseException:
            self._teardown(account, stack)
            self.out("release FAILED; the table above shows the stage")
            raise
        errors = self._teardown(account, stack)
        if errors:
            raise HarnessError(
                "the release passed but teardown failed: "
                + "; ".join(str(e).splitlines()[0] for e in errors)
            )
        return 0

    def _release(self, stack: Stack, account: Account) -> None:
        stage = self.stages.run
        for root in with_dependencies((RELEASE_ROOT,)):
            note = " (blue live at v1.0.0)" if root == RELEASE_ROOT else ""
            stage(f"apply {root}{note}", partial(stack.apply, root))
        stage(f"publish AMI {NEW_VERSION}", lambda: self._publish(account))
        platform = TerraformPlatform.for_stack(stack)
        tool = ReleaseTool(platform, progress=self.out, interval=2.0)
        load: Load = stage("start traffic", lambda: self._start_traffic(platform))
        held = partial(self._held, load)
        try:
            held(DEPLOY_STAGE, lambda: _fmt(tool.deploy(NEW_VERSION)))
            load.header("green")
            held("try green via X-Colour header", lambda: try_colour(platform, "green"))
            for step in self.steps:
                held(f"promote {step}", partial(lambda s: _fmt(tool.promote((s,))), step))
            held("retire blue", lambda: _fmt(tool.retire()))
        finally:
            samples = load.stop()
        stage("traffic report", lambda: self._traffic_report(samples, load))
        stage("status", lambda: "\n" + status_table(tool.status()))

    def _teardown(self, account: Account, stack: Stack | None) -> list[BaseException]:
        """Destroy every root an apply was started on, count leftovers, stop the account."""
        steps: list[tuple[str, Any]] = []
        if stack is not None and not self.keep:
            steps += [
                (f"destroy {r}", partial(stack.destroy, r)) for r in destroy_order(stack.attempted)
            ]
            steps.append(("count what is left", lambda: _left(account)))
        steps.append(("stop account", lambda: _stop(account, self.keep)))
        errors = run_all(self.stages, steps)
        if stack is not None and not self.keep and not errors:
            stack.forget()
        self.out(self.stages.summary())
        if self.keep:
            self.out(f"kept run {account.run_id}; delete with: {destroy_hint(account)}")
        return errors

    def _held(self, load: Load, name: str, step: Any) -> str:
        """One release stage with the load labelled by its name, then HOLD_SECONDS more so
        the weights the step applied carry traffic of their own before the next step."""
        load.stage(name)

        def step_then_hold() -> str:
            done = str(step())
            time.sleep(self.hold)
            return f"{done} (held {self.hold:.0f}s)"

        return str(self.stages.run(name, step_then_hold))

    def _start_traffic(self, platform: TerraformPlatform) -> Load:
        url = listener_url(platform)
        self.traffic_url = url
        self.out(
            f"traffic: {TRAFFIC['clients']} clients, {TRAFFIC['rate']:.0f} requests/s to {url}"
            f" until retire; {HEADER_SHARE:.0%} with X-Colour: green from try on"
        )
        load = Load(url, header_share=HEADER_SHARE, **TRAFFIC)  # type: ignore[arg-type]
        load.stage(DEPLOY_STAGE)  # the first request goes out before the deploy stage starts
        return load.start()

    def _traffic_report(self, samples: list[Any], load: Load) -> str:
        """Table, reports/bluegreen.json and .svg; fails on any failed request or a colour's
        share outside the binomial bound of its weight."""
        stages = summarise(samples)
        meta = {"run_id": self.run_id, "kind": self.kind, "url": self.traffic_url, **TRAFFIC}
        document = report_document(samples, meta={**meta, "missed_slots": load.missed})
        REPORTS_DIR.mkdir(parents=True, exist_ok=True)
        write_report(REPORTS_DIR / "bluegreen.json", document)
        plot(REPORTS_DIR / "bluegreen.svg", samples, stages)
        self.out("\n" + table(stages))
        problems = failed(samples) + share_problems(samples)
        if problems:
            raise ReleaseError(
                f"traffic: {len(problems)} problem(s) in {len(samples)} requests: "
                + "; ".join(problems[:5])
            )
        return f"{len(samples)} requests, 0 failed; reports/bluegreen.json, reports/bluegreen.svg"

    def _publish(self, account: Account) -> str:
        image = publish_ami(
            account, "api", RELEASE_ROOT, NEW_VERSION, source_image_id=self.source_image_id
        )
        return f"{image} (component=api, environment={RELEASE_ROOT}, version={NEW_VERSION})"


def _fmt(release: Any) -> str:
    return " / ".join(
        f"{n} {c.version} x{c.capacity} {c.weight}%" for n, c in release.colours.items()
    )


def _left(account: Account) -> str:
    left = live_resources(account, account.run_id)
    if left:
        raise HarnessError(
            f"{len(left)} resources of run {account.run_id} outlived destroy: "
            + ", ".join(r.arn for r in left[:10])
        )
    return "0 resources created by terraform remain"


def _stop(account: Account, keep: bool) -> str:
    report = teardown_account(account, keep=keep)
    if report is None:
        return "kept"
    if not report.ok:
        raise HarnessError(f"sweep could not delete: {report.failed}")
    return f"swept {len(report.deleted)} seeded resources; stopped"
