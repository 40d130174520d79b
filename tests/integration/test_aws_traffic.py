"""Real-account only: traffic through the ALB during a switch (moto routes no traffic).

Run with `pytest tests/integration --harness-account=aws` and HARNESS_AWS_ACCOUNT_ID set;
every other integration test then runs against that account too. The load, its report and
its checks are harness.traffic's, the same the emulated data plane is held to.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.bluegreen import Health, Platform, Release, ReleaseTool
from harness.paths import REPORTS_DIR
from harness.platform import TerraformPlatform
from harness.stack import Stack
from harness.stages import poll_until
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

pytestmark = [pytest.mark.integration, pytest.mark.aws]
RATE = 20.0
# An ALB routes by newly applied weights a few seconds after terraform returns: requests in
# that window are not held to a share. Then every step is held long enough to be judged.
SETTLE_REQUESTS = 300
HOLD_REQUESTS = 600


def weights(release: Release) -> dict[str, int]:
    """What a release gives each colour."""
    return {name: colour.weight for name, colour in release.colours.items()}


class Labelled:
    """The platform, naming the load's stage around every apply: "<step> (applying)" and
    "<step> (settling)" carry no weights, then "<step>" carries the weights applied and is
    held for HOLD_REQUESTS before the next step."""

    def __init__(self, platform: Platform, load: Load, stage: str) -> None:
        self.platform, self.load, self.current = platform, load, stage
        load.stage(stage, weights(platform.read()))

    def __getattr__(self, name: str) -> Any:  # disagreements, kind, ...
        return getattr(self.platform, name)

    @property
    def name(self) -> str:
        return self.platform.name

    def read(self) -> Release:
        return self.platform.read()

    def health(self, colour: str) -> Health:
        return self.platform.health(colour)

    def apply(self, release: Release, step: str = "") -> None:
        self.hold(self.current, HOLD_REQUESTS)
        self.load.stage(f"{step} (applying)")
        self.platform.apply(release, step)
        self.load.stage(f"{step} (settling)")
        self.hold(f"{step} (settling)", SETTLE_REQUESTS)
        self.load.stage(step, weights(release))
        self.current = step

    def hold(self, stage: str, requests: int) -> None:
        """Until the load has sent `requests` requests in `stage`."""
        _, reached = poll_until(
            lambda: sum(1 for s in self.load.samples if s.stage == stage),
            lambda n: n >= requests,
            lambda n: f"{n}/{requests} requests in {stage!r}",
            timeout=3 * requests / RATE,
            interval=5.0,
            progress=print,
        )
        assert reached, f"the load sent too few requests in {stage!r} (a bound reached?)"


def test_switch_serves_no_errors_and_shares_follow_weights(stack: Stack) -> None:
    """Load through the ALB during promote 10/50/100: no failed request, every step's colours
    within the binomial interval of its weights, and X-Colour: green always served by green."""
    stack.ensure("production")
    platform = TerraformPlatform.for_stack(stack)
    base = f"https://{stack.output('production')['alb_dns_name']}"
    ReleaseTool(platform, timeout=900.0, interval=15.0).deploy("v2.0.0")
    load = Load(base, clients=4, rate=RATE, max_seconds=1800.0, header_share=0.1)
    load.header("green")
    with load:
        labelled = Labelled(platform, load, "deployed")
        ReleaseTool(labelled, timeout=900.0, interval=15.0).promote((10, 50, 100))
        labelled.hold(labelled.current, HOLD_REQUESTS)
    samples = load.samples
    stages = summarise(samples)
    run_id = stack.account.run_id
    document = report_document(samples, meta={"run_id": run_id, "account": "aws"})
    write_report(REPORTS_DIR / f"traffic-{run_id}.json", document)
    plot(REPORTS_DIR / f"traffic-{run_id}.svg", samples, stages)
    print(table(stages))
    assert not failed(samples), "\n".join(failed(samples))
    assert not share_problems(samples), "\n".join(share_problems(samples))
    assert stages[-1].weights.get("green") == 100, table(stages)
    assert stages[-1].served.get("blue", 0) == 0, table(stages)
    assert any(s.version == "2.0.0" and s.colour == "green" for s in samples)
