"""What the data plane serves, read through the AWS API: api instances, target groups with
their health checks and targets, and load balancer listeners with their rules.

One `read` returns one consistent snapshot; the proxy, the health checks and the instance
runner all work from it, so a change terraform makes reaches all three together.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Instance states in which an instance runs (or is starting) its software.
RUNNING_STATES = frozenset({"pending", "running"})


@dataclass(frozen=True)
class HealthCheck:
    """A target group's health check settings (seconds as AWS gives them)."""

    path: str = "/"
    port: str = "traffic-port"
    protocol: str = "HTTP"
    matcher: str = "200"
    interval: float = 30.0
    timeout: float = 5.0
    healthy: int = 5
    unhealthy: int = 2

    def matches(self, status: int) -> bool:
        """Whether an HTTP status passes the matcher ("200", "200,202", "200-299")."""
        for part in self.matcher.split(","):
            low, _, high = part.strip().partition("-")
            try:
                if int(low) <= status <= int(high or low):
                    return True
            except ValueError:
                continue
        return False


@dataclass(frozen=True)
class TargetGroup:
    """One target group: its port, drain delay, health check and registered instances."""

    arn: str
    name: str
    port: int
    deregistration_delay: float
    check: HealthCheck
    targets: tuple[str, ...]
    label: str = ""


@dataclass(frozen=True)
class Condition:
    """One rule condition: field (path-pattern, http-header, host-header, ...) and values."""

    field: str
    values: tuple[str, ...]
    header: str = ""


@dataclass(frozen=True)
class Action:
    """A rule's action: a weighted forward, a redirect or a fixed response."""

    type: str
    forward: tuple[tuple[str, int], ...] = ()
    redirect: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """A listener rule; the default action has priority infinity and no conditions."""

    name: str
    priority: float
    conditions: tuple[Condition, ...]
    action: Action


@dataclass(frozen=True)
class Listener:
    """A listener of a load balancer, its rules in evaluation order."""

    arn: str
    load_balancer: str
    port: int
    protocol: str
    certificate_arn: str
    rules: tuple[Rule, ...]

    @property
    def key(self) -> str:
        """A stable name: load balancer and port."""
        return f"{self.load_balancer}:{self.port}"


@dataclass(frozen=True)
class Instance:
    """An api instance the data plane runs: where its release and environment come from."""

    id: str
    image_id: str
    environment: str
    version: str
    user_data: str


@dataclass(frozen=True)
class Snapshot:
    """Everything the data plane serves at one moment."""

    instances: Mapping[str, Instance]
    groups: Mapping[str, TargetGroup]
    listeners: tuple[Listener, ...]


def _tags(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in items or []}


def _image_tags(ec2: Any, image_id: str) -> dict[str, str]:
    """An image's tags; {} for an image deregistered since (its instances run nothing)."""
    try:
        described = ec2.describe_images(ImageIds=[image_id]).get("Images", [])
    except ec2.exceptions.ClientError:
        return {}
    return _tags(described[0].get("Tags")) if described else {}


def _user_data(ec2: Any, instance_id: str) -> str:
    value = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
    encoded = value.get("UserData", {}).get("Value") or ""
    try:
        return base64.b64decode(encoded).decode("utf-8", errors="replace")
    except ValueError:
        return ""


def read_instances(
    ec2: Any, images: dict[str, dict[str, str]], known: Mapping[str, Instance]
) -> dict[str, Instance]:
    """Running api instances (launched from an image tagged component=api)."""
    found: dict[str, Instance] = {}
    pages = ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "instance-state-name", "Values": sorted(RUNNING_STATES)}]
    )
    for page in pages:
        for reservation in page.get("Reservations", []):
            for item in reservation.get("Instances", []):
                instance_id, image_id = str(item["InstanceId"]), str(item.get("ImageId", ""))
                if instance_id in known:
                    found[instance_id] = known[instance_id]
                    continue
                if image_id not in images:
                    images[image_id] = _image_tags(ec2, image_id)
                tags = images[image_id]
                if tags.get("component") != "api":
                    continue
                found[instance_id] = Instance(
                    id=instance_id,
                    image_id=image_id,
                    environment=tags.get("environment", ""),
                    version=tags.get("version", ""),
                    user_data=_user_data(ec2, instance_id),
                )
    return found


def _check(group: Mapping[str, Any]) -> HealthCheck:
    return HealthCheck(
        path=str(group.get("HealthCheckPath") or "/"),
        port=str(group.get("HealthCheckPort") or "traffic-port"),
        protocol=str(group.get("HealthCheckProtocol") or "HTTP"),
        matcher=str((group.get("Matcher") or {}).get("HttpCode") or "200"),
        interval=float(group.get("HealthCheckIntervalSeconds") or 30),
        timeout=float(group.get("HealthCheckTimeoutSeconds") or 5),
        healthy=int(group.get("HealthyThresholdCount") or 5),
        unhealthy=int(group.get("UnhealthyThresholdCount") or 2),
    )


def read_groups(elbv2: Any) -> dict[str, TargetGroup]:
    """Every target group with its health check, drain delay and registered instances."""
    groups: dict[str, TargetGroup] = {}
    for page in elbv2.get_paginator("describe_target_groups").paginate():
        for group in page.get("TargetGroups", []):
            arn = str(group["TargetGroupArn"])
            attributes = elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
            delay = next(
                (
                    float(a["Value"])
                    for a in attributes
                    if a["Key"] == "deregistration_delay.timeout_seconds"
                ),
                300.0,
            )
            described = elbv2.describe_target_health(TargetGroupArn=arn)
            targets = tuple(
                sorted(
                    str(d["Target"]["Id"]) for d in described.get("TargetHealthDescriptions", [])
                )
            )
            tags = elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"]
            colour = _tags(tags[0].get("Tags") if tags else []).get("colour")
            groups[arn] = TargetGroup(
                arn=arn,
                name=str(group.get("TargetGroupName", arn)),
                label=colour or str(group.get("TargetGroupName", arn)),
                port=int(group.get("Port") or 80),
                deregistration_delay=delay,
                check=_check(group),
                targets=targets,
            )
    return groups


def _condition(item: Mapping[str, Any]) -> Condition:
    name = str(item.get("Field", ""))
    if name == "http-header":
        config = item.get("HttpHeaderConfig", {})
        return Condition(
            name, tuple(config.get("Values", [])), str(config.get("HttpHeaderName", ""))
        )
    config_key = {
        "path-pattern": "PathPatternConfig",
        "host-header": "HostHeaderConfig",
        "http-request-method": "HttpRequestMethodConfig",
        "source-ip": "SourceIpConfig",
    }.get(name, "")
    values = item.get(config_key, {}).get("Values") if config_key else None
    return Condition(name, tuple(values if values is not None else item.get("Values", [])))


def _action(actions: list[Mapping[str, Any]]) -> Action:
    final = sorted(actions, key=lambda a: int(a.get("Order", 1)))[-1] if actions else {}
    kind = str(final.get("Type", ""))
    if kind == "forward":
        config = final.get("ForwardConfig", {}).get("TargetGroups")
        if config:
            pairs = tuple((str(t["TargetGroupArn"]), int(t.get("Weight", 1))) for t in config)
        else:
            pairs = ((str(final["TargetGroupArn"]), 1),)
        return Action("forward", forward=pairs)
    if kind == "redirect":
        return Action("redirect", redirect=dict(final.get("RedirectConfig", {})))
    if kind == "fixed-response":
        return Action("fixed-response", fixed=dict(final.get("FixedResponseConfig", {})))
    return Action(kind or "unknown")


def read_listeners(elbv2: Any) -> tuple[Listener, ...]:
    """Every listener of every load balancer, with its rules in priority order."""
    listeners: list[Listener] = []
    for page in elbv2.get_paginator("describe_load_balancers").paginate():
        for balancer in page.get("LoadBalancers", []):
            arn, name = str(balancer["LoadBalancerArn"]), str(balancer["LoadBalancerName"])
            for item in elbv2.describe_listeners(LoadBalancerArn=arn).get("Listeners", []):
                rules: list[Rule] = []
                described = elbv2.describe_rules(ListenerArn=item["ListenerArn"]).get("Rules", [])
                for rule in described:
                    default = bool(rule.get("IsDefault")) or rule.get("Priority") == "default"
                    rules.append(
                        Rule(
                            name="default" if default else f"priority-{rule['Priority']}",
                            priority=math.inf if default else float(rule["Priority"]),
                            conditions=tuple(_condition(c) for c in rule.get("Conditions", [])),
                            action=_action(list(rule.get("Actions", []))),
                        )
                    )
                if not any(r.priority == math.inf for r in rules):
                    rules.append(
                        Rule("default", math.inf, (), _action(list(item.get("DefaultActions", []))))
                    )
                certificates = item.get("Certificates") or [{}]
                listeners.append(
                    Listener(
                        arn=str(item["ListenerArn"]),
                        load_balancer=name,
                        port=int(item["Port"]),
                        protocol=str(item.get("Protocol", "HTTP")),
                        certificate_arn=str(certificates[0].get("CertificateArn", "")),
                        rules=tuple(sorted(rules, key=lambda r: r.priority)),
                    )
                )
    return tuple(sorted(listeners, key=lambda listener: listener.key))
