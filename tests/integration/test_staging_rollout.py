"""Staging rolls a new version out: the instance refresh replaces every instance, health held.

Stages: deploy (publish v1.1.0, apply staging with it while a thread samples target health),
validate (instances, target group, the sampled minimum), teardown (the fixture applies
staging's own version again, waits for that refresh and checks the second plan is empty, so
the session's staging is as test_environments.py expects it).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tenacity import retry, retry_if_result, stop_after_delay, wait_fixed

from harness.account import Account, publish_ami
from harness.stack import RootHandle, Stack

pytestmark = pytest.mark.integration

NEW_VERSION = "v1.1.0"
# Staging's refresh keeps 100 % of the desired capacity healthy (the deploy module's default
# instance_refresh_min_healthy_percentage): with api_capacity 1, at least 1 healthy target.
MIN_HEALTHY_PERCENTAGE = 100
FINISHED = ("Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed")


@dataclass
class HealthSampler:
    """Counts the healthy targets of a target group every `interval` seconds, in a thread."""

    account: Account
    target_group_arn: str
    interval: float = 0.1
    samples: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def healthy(self) -> int:
        """Healthy targets now."""
        described = self.account.client("elbv2").describe_target_health(
            TargetGroupArn=self.target_group_arn
        )["TargetHealthDescriptions"]
        return sum(d["TargetHealth"]["State"] == "healthy" for d in described)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.healthy())
            self._stop.wait(self.interval)

    def __enter__(self) -> HealthSampler:
        self._thread = threading.Thread(target=self._run, name="health-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@dataclass(frozen=True)
class Rollout:
    """What one version change of staging did."""

    group: str
    target_group_arn: str
    image_id: str
    refresh: dict[str, Any]
    minimum: int
    samples: list[int]


def refresh_ids(account: Account, group: str) -> set[str]:
    """Ids of every instance refresh the group has had."""
    refreshes = account.client("autoscaling").describe_instance_refreshes(
        AutoScalingGroupName=group
    )["InstanceRefreshes"]
    return {r["InstanceRefreshId"] for r in refreshes}


def wait_refresh_finished(account: Account, group: str, refresh_id: str) -> dict[str, Any]:
    """Wait (bounded) until the refresh reaches a final status; return it."""

    @retry(
        retry=retry_if_result(lambda refresh: refresh["Status"] not in FINISHED),
        stop=stop_after_delay(180),
        wait=wait_fixed(0.5),
    )
    def refresh_finished() -> dict[str, Any]:
        return dict(
            account.client("autoscaling").describe_instance_refreshes(
                AutoScalingGroupName=group, InstanceRefreshIds=[refresh_id]
            )["InstanceRefreshes"][0]
        )

    return refresh_finished()


def in_service_images(account: Account, group: str) -> dict[str, str]:
    """AMI of each InService instance of the group, by instance id."""
    described = account.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[group]
    )["AutoScalingGroups"][0]
    ids = sorted(
        i["InstanceId"] for i in described["Instances"] if i["LifecycleState"] == "InService"
    )
    if not ids:
        return {}
    reservations = account.client("ec2").describe_instances(InstanceIds=ids)["Reservations"]
    return {i["InstanceId"]: i["ImageId"] for r in reservations for i in r["Instances"]}


def apply_version(
    stack: Stack, group: str, target_group_arn: str, version: str | None
) -> tuple[dict[str, Any], list[int]]:
    """Apply staging (with `version` as api_version for this apply only, None: its own) while
    sampling target health; return the instance refresh the apply started, once finished."""
    account = stack.account
    before = refresh_ids(account, group)
    runner = stack.runner("staging")
    with HealthSampler(account, target_group_arn) as sampler:
        runner.apply(tf_vars={"api_version": version} if version else None)
        started = refresh_ids(account, group) - before
        assert len(started) == 1, (
            f"staging apply (api_version {version or 'restored'}) started {len(started)} "
            "instance refreshes of the API group, not 1: a new launch template version "
            "replaced no running instance"
        )
        refresh = wait_refresh_finished(account, group, started.pop())
    return refresh, sampler.samples


@pytest.fixture(scope="module")
def rollout(stack: Stack, staging_root: RootHandle) -> Iterator[Rollout]:
    """Stage deploy: staging applied with NEW_VERSION; on teardown, its own version again."""
    account = stack.account
    blue = staging_root.outputs["colours"]["blue"]
    group, target_group_arn = blue["autoscaling_group_name"], blue["target_group_arn"]
    minimum = math.ceil(blue["capacity"] * MIN_HEALTHY_PERCENTAGE / 100)
    image_id = publish_ami(account, "api", "staging", NEW_VERSION)
    try:
        refresh, samples = apply_version(stack, group, target_group_arn, NEW_VERSION)
        yield Rollout(group, target_group_arn, image_id, refresh, minimum, samples)
    finally:
        # Stage teardown: the session's other tests expect staging at its own version.
        restored, restore_samples = apply_version(stack, group, target_group_arn, None)
        assert restored["Status"] == "Successful", restored
        assert min(restore_samples) >= minimum, restore_samples
        stack.runner("staging").assert_idempotent()


def test_validate_rollout_refresh_succeeds(rollout: Rollout) -> None:
    """Stage validate: the refresh the version change started ran to the end."""
    assert rollout.refresh["Status"] == "Successful", rollout.refresh
    assert rollout.refresh["PercentageComplete"] == 100, rollout.refresh


def test_validate_rollout_every_instance_runs_new_ami(stack: Stack, rollout: Rollout) -> None:
    """Stage validate: every InService instance of the staging group runs the new AMI."""
    images = in_service_images(stack.account, rollout.group)
    assert images, f"{rollout.group}: no InService instance"
    stale = {i: image for i, image in images.items() if image != rollout.image_id}
    assert not stale, (
        f"{rollout.group}: instances not on {NEW_VERSION} ({rollout.image_id}): {stale}"
    )


def test_validate_rollout_target_group_keeps_minimum_healthy(
    stack: Stack, rollout: Rollout
) -> None:
    """Stage validate: the group's target group has at least the minimum healthy targets."""
    healthy = HealthSampler(stack.account, rollout.target_group_arn).healthy()
    assert healthy >= rollout.minimum, f"{healthy} healthy targets, minimum {rollout.minimum}"


def test_validate_rollout_healthy_never_below_minimum(rollout: Rollout) -> None:
    """Stage validate: sampled during apply and refresh, healthy never fell below the minimum."""
    assert len(rollout.samples) >= 10, f"too few health samples: {rollout.samples}"
    low = [n for n in rollout.samples if n < rollout.minimum]
    assert not low, (
        f"healthy targets fell below {rollout.minimum} in {len(low)} of "
        f"{len(rollout.samples)} samples: {rollout.samples}"
    )
    assert max(rollout.samples) > rollout.minimum, (
        f"no replacement was ever seen healthy next to the old instance: {rollout.samples}"
    )
