"""The on-demand bastion: open, close and read its autoscaling group (desired capacity 0 or 1).

Terraform sets the group's desired capacity only when it creates the group (the bastion
module ignores it afterwards); from then on it belongs to these functions and to the
bastion itself, which leaves its group with the capacity decremented once idle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.account import Account
from harness.errors import HarnessError, UsageError
from harness.stack import Stack
from harness.stages import Progress, poll_until

GROUP_OUTPUT = "bastion_autoscaling_group_name"
ENVIRONMENTS = ("production", "staging")
IN_SERVICE = "InService"
DEFAULT_TIMEOUT = 300.0
DEFAULT_INTERVAL = 5.0


@dataclass(frozen=True)
class Instance:
    """One instance of the bastion's group: its id, lifecycle state and private address."""

    instance_id: str
    lifecycle_state: str
    private_ip: str | None = None

    def describe(self) -> str:
        """`i-0abc InService 10.0.1.5`."""
        return " ".join(p for p in (self.instance_id, self.lifecycle_state, self.private_ip) if p)


@dataclass(frozen=True)
class Status:
    """The bastion's group as the account reports it."""

    group: str
    desired: int
    instances: tuple[Instance, ...]

    @property
    def in_service(self) -> tuple[Instance, ...]:
        """The instances that are InService (a usable bastion)."""
        return tuple(i for i in self.instances if i.lifecycle_state == IN_SERVICE)

    def describe(self) -> str:
        """One line: group, desired capacity, in-service count and each instance."""
        line = f"bastion {self.group}: desired {self.desired}, in service {len(self.in_service)}"
        if self.instances:
            line += " (" + ", ".join(i.describe() for i in self.instances) + ")"
        return line


def group_name(stack: Stack, environment: str) -> str:
    """The bastion group of an environment root (its output bastion_autoscaling_group_name)."""
    if environment not in ENVIRONMENTS:
        raise UsageError(f"--environment {environment!r}: use one of {', '.join(ENVIRONMENTS)}")
    name = stack.output(environment).get(GROUP_OUTPUT)
    if not name:
        raise UsageError(
            f"{environment} of run {stack.account.run_id} has no output {GROUP_OUTPUT}: "
            "apply the environment first"
        )
    return str(name)


def status(account: Account, group: str) -> Status:
    """Desired capacity and instances of the group, with each instance's private IP."""
    autoscaling = account.client("autoscaling")
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group])
    if not found["AutoScalingGroups"]:
        raise HarnessError(f"bastion group {group}: not found in the account ({account.kind})")
    described = found["AutoScalingGroups"][0]
    members = [(i["InstanceId"], i["LifecycleState"]) for i in described.get("Instances", [])]
    addresses: dict[str, str | None] = {}
    if members:
        ec2 = account.client("ec2")
        pages = ec2.get_paginator("describe_instances").paginate(
            InstanceIds=[instance_id for instance_id, _ in members]
        )
        for page in pages:
            for reservation in page["Reservations"]:
                for instance in reservation["Instances"]:
                    addresses[instance["InstanceId"]] = instance.get("PrivateIpAddress")
    return Status(
        group=group,
        desired=int(described["DesiredCapacity"]),
        instances=tuple(Instance(i, state, addresses.get(i)) for i, state in members),
    )


def set_capacity(account: Account, group: str, capacity: int) -> None:
    """Set the group's desired capacity (0 or 1) at once, without waiting for a cooldown."""
    if capacity not in (0, 1):
        raise UsageError(f"bastion capacity {capacity}: use 0 (closed) or 1 (open)")
    account.client("autoscaling").set_desired_capacity(
        AutoScalingGroupName=group, DesiredCapacity=capacity, HonorCooldown=False
    )


def _wait(
    account: Account,
    group: str,
    done: Callable[[Status], bool],
    what: str,
    timeout: float,
    interval: float,
    progress: Progress,
) -> Status:
    """Poll the group until `done(status)` or `timeout` passes; a timeout names what it saw."""
    last, reached = poll_until(
        lambda: status(account, group), done, Status.describe, timeout, interval, progress
    )
    if not reached:
        raise HarnessError(
            f"bastion {group}: not {what} after {timeout:.0f}s; last seen: {last.describe()}"
        )
    return last


def open_bastion(
    account: Account,
    group: str,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    progress: Progress = print,
) -> Instance:
    """Desired capacity 1, then wait until an instance is InService; return it."""
    progress(f"bastion {group}: desired capacity 1")
    set_capacity(account, group, 1)
    opened = _wait(
        account, group, lambda s: bool(s.in_service), "InService", timeout, interval, progress
    )
    return opened.in_service[0]


def close_bastion(
    account: Account,
    group: str,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    progress: Progress = print,
) -> Status:
    """Desired capacity 0, then wait until no instance is InService."""
    progress(f"bastion {group}: desired capacity 0")
    set_capacity(account, group, 0)
    return _wait(account, group, lambda s: not s.in_service, "closed", timeout, interval, progress)


__all__ = [
    "ENVIRONMENTS",
    "GROUP_OUTPUT",
    "Instance",
    "Status",
    "close_bastion",
    "group_name",
    "open_bastion",
    "set_capacity",
    "status",
]
