"""Shim: instances launched from an AMI tagged `harness:health = unhealthy` fail target health."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import patch

HEALTH_TAG = "harness:health"
UNHEALTHY = "unhealthy"


def apply() -> None:
    """moto reports every registered target healthy: no way to make a release fail health checks.

    AWS reports a target unhealthy when its health check fails (say, a broken release).
    The emulator runs no software, so the harness marks a broken build on its AMI: targets
    whose instance was launched from an AMI tagged `harness:health = unhealthy` report
    `unhealthy` (reason `Target.FailedHealthChecks`); every other target is unchanged.
    """
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    @patch(FakeTargetGroup, "health_for")
    def health_for(
        original: Callable[..., Any],
        self: FakeTargetGroup,
        target: dict[str, Any],
        ec2_backend: Any,
    ) -> Any:
        status = original(self, target, ec2_backend)
        if status.status != "healthy" or not str(target["Id"]).startswith("i-"):
            return status
        instance = ec2_backend.get_instance_by_id(target["Id"])
        image_id = getattr(instance, "image_id", "")
        if ec2_backend.tags.get(image_id, {}).get(HEALTH_TAG) != UNHEALTHY:
            return status
        return FakeHealthStatus(
            status.instance_id,
            status.port,
            status.health_check_port,
            "unhealthy",
            "Target.FailedHealthChecks",
            f"Health checks failed (AMI {image_id} is tagged {HEALTH_TAG}={UNHEALTHY})",
        )
