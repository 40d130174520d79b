"""Shim: instances an autoscaling group terminates leave its target groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import patch


def apply() -> None:
    """moto keeps scaled-in instances registered (and healthy) in the group's target groups.

    When a group scales in, AWS deregisters the terminated instances from the group's
    target groups (draining, then gone). moto only registers the group's current
    instances and never deregisters, so a colour scaled to 0 still reports healthy
    targets. This deregisters the group's terminated instances after every update.
    """
    from moto.autoscaling.models import AutoScalingBackend

    @patch(AutoScalingBackend, "update_attached_target_groups")
    def update_attached_target_groups(
        original: Callable[..., Any], self: AutoScalingBackend, group_name: str
    ) -> None:
        original(self, group_name)
        group = self.autoscaling_groups[group_name]
        if not group.target_group_arns:
            return
        current = {state.instance.id for state in group.instance_states}
        for arn in group.target_group_arns:
            target_group = self.elbv2_backend.target_groups.get(arn)
            if target_group is None:
                continue
            gone = []
            for target_id in list(target_group.targets):
                if target_id in current or not str(target_id).startswith("i-"):
                    continue
                instance = self.ec2_backend.get_instance_by_id(target_id)
                if instance is None or instance.state in ("terminated", "shutting-down"):
                    gone.append({"Id": target_id})
            if gone:
                target_group.deregister(gone)
