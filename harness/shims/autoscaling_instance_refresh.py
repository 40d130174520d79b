"""Shim: StartInstanceRefresh replaces a group's instances in batches, as AWS does."""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from harness.shims._patch import define, patch

# Under moto an instance is running and registered the moment it is launched, and the data
# plane's health checks say when it serves, so the refresh does not wait out
# `InstanceWarmup`: it waits BATCH_SECONDS before each batch and after a batch's launch turns
# healthy (before terminating), long enough for a poller to see every intermediate state
# (old and new instances both healthy, then the new ones alone).
BATCH_SECONDS = 1.0
# How long a batch's new instances have to become healthy in the group's target groups
# (the release boots in about a second; two checks at the scaled 1.5 s interval follow).
HEALTH_TIMEOUT_SECONDS = 30.0
HEALTH_POLL_SECONDS = 0.2
ACTIVE = ("Pending", "InProgress", "Cancelling")
LAUNCHED_FROM = "_harness_launched_from"  # (launch template id, version number) on an instance


@dataclass
class Refresh:
    """One instance refresh of one group, as DescribeInstanceRefreshes reports it."""

    group_name: str
    preferences: dict[str, Any]
    desired_configuration: dict[str, Any] | None
    refresh_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "Pending"
    status_reason: str = ""
    start_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    end_time: datetime | None = None
    to_replace: int = 0
    replaced: int = 0
    cancel_requested: bool = False

    def describe(self) -> dict[str, Any]:
        """The InstanceRefresh structure of the API."""
        described: dict[str, Any] = {
            "InstanceRefreshId": self.refresh_id,
            "AutoScalingGroupName": self.group_name,
            "Status": self.status,
            "StatusReason": self.status_reason,
            "StartTime": self.start_time,
            "PercentageComplete": (
                100 if not self.to_replace else 100 * self.replaced // self.to_replace
            ),
            "InstancesToUpdate": max(self.to_replace - self.replaced, 0),
            "Preferences": self.preferences,
        }
        if self.end_time is not None:
            described["EndTime"] = self.end_time
        if self.desired_configuration:
            described["DesiredConfiguration"] = self.desired_configuration
        return described

    def finish(self, status: str, reason: str = "") -> None:
        """Move to a final status."""
        self.status, self.status_reason = status, reason
        self.end_time = datetime.now(UTC)


def apply() -> None:
    """moto has no instance refresh: StartInstanceRefresh is unimplemented, nothing is replaced.

    AWS replaces a group's instances with ones from its current launch template version in
    batches that keep `MinHealthyPercentage` of the desired capacity healthy and at most
    `MaxHealthyPercentage` in service or pending; the AWS provider starts one when a group's
    launch template changes and `instance_refresh` is set. This adds Start-, Describe- and
    CancelInstanceRefresh(es) and runs each refresh in a thread of the moto server: launch
    the batch from the group's launch template (the desired configuration first, when one
    is given), wait until the new instances are healthy in every target group of the group,
    then deregister and terminate old instances, one batch per BATCH_SECONDS. Simplified:
    no warmup (instances are ready at launch under moto), no checkpoints, alarms, rollback,
    standby or scale-in-protection handling; batches that never turn healthy (a broken
    release) are terminated and the refresh fails, old instances kept.
    """
    from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
    from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    class InstanceRefreshInProgress(AutoscalingClientError):
        code = "InstanceRefreshInProgress"

    class ActiveInstanceRefreshNotFound(AutoscalingClientError):
        code = "ActiveInstanceRefreshNotFound"

    def launched_version(group: FakeAutoScalingGroup) -> tuple[str, int] | None:
        template = group.ec2_launch_template
        if template is None:
            return None
        return template.id, template.get_version(group.launch_template_version).number

    @patch(FakeAutoScalingGroup, "replace_autoscaling_group_instances")
    def replace_autoscaling_group_instances(
        original: Callable[..., Any], self: FakeAutoScalingGroup, *args: Any, **kwargs: Any
    ) -> None:
        before = {state.instance.id for state in self.instance_states}
        original(self, *args, **kwargs)
        # Record what each instance was launched from: SkipMatching compares it.
        version = launched_version(self)
        for state in self.instance_states:
            if state.instance.id not in before:
                setattr(state.instance, LAUNCHED_FROM, version)

    def refreshes(backend: AutoScalingBackend) -> dict[str, list[Refresh]]:
        found: dict[str, list[Refresh]] | None = getattr(backend, "_harness_refreshes", None)
        if found is None:
            found = {}
            backend._harness_refreshes = found  # type: ignore[attr-defined]
        return found

    def healthy(backend: AutoScalingBackend, group: FakeAutoScalingGroup, ids: set[str]) -> bool:
        """Whether every instance in `ids` is healthy in every target group of the group."""
        for arn in group.target_group_arns:
            target_group = backend.elbv2_backend.target_groups.get(arn)
            if target_group is None:
                continue
            for instance_id in ids:
                status = target_group.health_for({"Id": instance_id}, backend.ec2_backend)
                if status.status != "healthy":
                    return False
        return True

    def terminate(backend: AutoScalingBackend, group: FakeAutoScalingGroup, ids: set[str]) -> None:
        """Deregister from the target groups first (AWS drains), then terminate."""
        for arn in group.target_group_arns:
            target_group = backend.elbv2_backend.target_groups.get(arn)
            if target_group is None:
                continue
            registered = [{"Id": i} for i in ids if i in target_group.targets]
            if registered:
                target_group.deregister(registered)
        group.instance_states = [s for s in group.instance_states if s.instance.id not in ids]
        backend.ec2_backend.terminate_instances(list(ids))

    def run(backend: AutoScalingBackend, group: FakeAutoScalingGroup, refresh: Refresh) -> None:
        """Replace the group's instances batch by batch until none is left to replace."""
        prefs = refresh.preferences
        min_pct = int(prefs.get("MinHealthyPercentage", 90))
        max_pct = int(prefs.get("MaxHealthyPercentage", 100))
        skip_matching = str(prefs.get("SkipMatching", False)).lower() == "true"
        target = launched_version(group)
        replaced: set[str] = set()

        def outdated() -> list[str]:
            return [
                s.instance.id
                for s in group.instance_states
                if s.instance.id not in replaced
                and not (skip_matching and getattr(s.instance, LAUNCHED_FROM, None) == target)
            ]

        refresh.to_replace = len(outdated())
        refresh.status = "InProgress"
        while True:
            time.sleep(BATCH_SECONDS)
            if backend.autoscaling_groups.get(group.name) is not group:
                refresh.finish("Cancelled", "The Auto Scaling group was deleted.")
                return
            if refresh.cancel_requested:
                refresh.finish("Cancelled", "The instance refresh was cancelled.")
                return
            old = outdated()
            current = {s.instance.id for s in group.instance_states}
            capacity = group.desired_capacity or 0
            if not old and len(current) >= capacity:
                refresh.finish("Successful")
                return
            floor_healthy = math.ceil(capacity * min_pct / 100)
            ceiling = max(capacity, math.floor(capacity * max_pct / 100))
            new_needed = capacity - (len(current) - len(old))
            launch = max(min(new_needed, ceiling - len(current)), 0)
            if launch:
                group.replace_autoscaling_group_instances(launch, group.get_propagated_tags())
                fresh = {s.instance.id for s in group.instance_states} - current
                replaced |= fresh
                backend.update_attached_target_groups(group.name)
                deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
                while not healthy(backend, group, fresh):
                    if time.monotonic() > deadline:
                        terminate(backend, group, fresh)
                        refresh.finish(
                            "Failed",
                            f"Instances {', '.join(sorted(fresh))} did not pass the target "
                            f"group health check within {HEALTH_TIMEOUT_SECONDS:.0f} s.",
                        )
                        return
                    time.sleep(HEALTH_POLL_SECONDS)
                # Warmup: the new batch serves next to the old one before any is terminated.
                time.sleep(BATCH_SECONDS)
            # Terminate as many old instances as the minimum allows, and the surplus above
            # the desired capacity; AWS replaces at least one at a time whatever the minimum.
            in_service = len(group.instance_states)
            spare = in_service - floor_healthy
            surplus = in_service - capacity
            count = min(len(old), max(spare, surplus, 0 if launch else 1))
            if count:
                terminate(backend, group, set(old[:count]))
                backend.update_attached_target_groups(group.name)
            refresh.replaced = refresh.to_replace - len(outdated())

    @define(AutoScalingBackend, "start_instance_refresh")
    def start_instance_refresh(
        self: AutoScalingBackend,
        group_name: str,
        strategy: str | None,
        preferences: dict[str, Any],
        desired_configuration: dict[str, Any] | None,
    ) -> Refresh:
        group = self.autoscaling_groups.get(group_name)
        if group is None:
            raise ValidationError(f"AutoScalingGroup name not found - {group_name}")
        if strategy not in (None, "Rolling"):
            raise ValidationError(f"Strategy {strategy} is not supported; use Rolling.")
        active = [r for r in refreshes(self).get(group_name, []) if r.status in ACTIVE]
        if active:
            raise InstanceRefreshInProgress(
                f"An Instance Refresh is already in progress and blocks the execution of this "
                f"Instance Refresh. InstanceRefreshId: {active[0].refresh_id}"
            )
        template = (desired_configuration or {}).get("LaunchTemplate")
        if template:
            # AWS applies the desired configuration to the group when the refresh succeeds;
            # the provider has already set the same one, so applying it first changes nothing.
            group._set_launch_configuration("", template, group.mixed_instances_policy)
        refresh = Refresh(group_name, dict(preferences), desired_configuration)
        refreshes(self).setdefault(group_name, []).insert(0, refresh)
        worker = threading.Thread(
            target=run, args=(self, group, refresh), name=f"refresh-{group_name}", daemon=True
        )
        worker.start()
        return refresh

    @define(AutoScalingBackend, "describe_instance_refreshes")
    def describe_instance_refreshes(
        self: AutoScalingBackend, group_name: str, refresh_ids: list[str]
    ) -> list[Refresh]:
        if group_name not in self.autoscaling_groups:
            raise ValidationError(f"AutoScalingGroup name not found - {group_name}")
        listed = refreshes(self).get(group_name, [])
        return [r for r in listed if not refresh_ids or r.refresh_id in refresh_ids]

    @define(AutoScalingBackend, "cancel_instance_refresh")
    def cancel_instance_refresh(self: AutoScalingBackend, group_name: str) -> Refresh:
        active = [r for r in refreshes(self).get(group_name, []) if r.status in ACTIVE]
        if not active:
            raise ActiveInstanceRefreshNotFound(
                f"No in progress or pending Instance Refresh found for Auto Scaling group "
                f"{group_name}"
            )
        active[0].cancel_requested = True
        active[0].status = "Cancelling"
        return active[0]

    @define(AutoScalingResponse, "start_instance_refresh")
    def start_instance_refresh_response(self: AutoScalingResponse) -> ActionResult:
        refresh = self.autoscaling_backend.start_instance_refresh(  # type: ignore[attr-defined]
            self._get_param("AutoScalingGroupName"),
            self._get_param("Strategy"),
            self._get_param("Preferences") or {},
            self._get_param("DesiredConfiguration"),
        )
        return ActionResult({"InstanceRefreshId": refresh.refresh_id})

    @define(AutoScalingResponse, "describe_instance_refreshes")
    def describe_instance_refreshes_response(self: AutoScalingResponse) -> ActionResult:
        listed = self.autoscaling_backend.describe_instance_refreshes(  # type: ignore[attr-defined]
            self._get_param("AutoScalingGroupName"), self._get_param("InstanceRefreshIds") or []
        )
        return ActionResult({"InstanceRefreshes": [r.describe() for r in listed]})

    @define(AutoScalingResponse, "cancel_instance_refresh")
    def cancel_instance_refresh_response(self: AutoScalingResponse) -> ActionResult:
        refresh = self.autoscaling_backend.cancel_instance_refresh(  # type: ignore[attr-defined]
            self._get_param("AutoScalingGroupName")
        )
        return ActionResult({"InstanceRefreshId": refresh.refresh_id})
