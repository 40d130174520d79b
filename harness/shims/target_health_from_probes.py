"""Shim: target health comes from the data plane's real HTTP health checks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.shims._patch import patch

# The data plane's health file (harness.dataplane.health); set in the moto server's
# environment by the harness when it starts a data plane with the server.
HEALTH_FILE_VARIABLE = "HARNESS_DATAPLANE_HEALTH"
_cache: dict[str, tuple[int, dict[str, Any]]] = {}


def _states(path: str) -> dict[str, Any]:
    """The health file, re-read only when it changed (it is replaced atomically)."""
    from harness.dataplane.health import read_states

    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError:
        return {}
    cached = _cache.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, read_states(Path(path)))
        _cache[path] = cached
    return cached[1]


def apply() -> None:
    """moto reports every registered target healthy: no software runs, nothing is checked.

    AWS probes each registered target with its target group's health check and reports
    `initial` until it passes, `unhealthy` when it fails. With a data plane running
    (harness.dataplane: the release on each instance, probed over HTTP), a registered,
    running instance's health is what the probes measured, read from the file named by
    $HARNESS_DATAPLANE_HEALTH; a target not probed yet is `initial`. Without that variable
    (plain emulator use), moto's answer is unchanged.
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
        path = os.environ.get(HEALTH_FILE_VARIABLE)
        if not path or status.status != "healthy" or not str(target["Id"]).startswith("i-"):
            return status
        found = _states(path).get(self.arn, {}).get(str(target["Id"]))
        state = found if isinstance(found, dict) else {}
        return FakeHealthStatus(
            status.instance_id,
            status.port,
            status.health_check_port,
            str(state.get("state") or "initial"),
            str(state.get("reason") or "Elb.RegistrationInProgress")
            if state.get("state") != "healthy"
            else None,
            str(state.get("description") or "Target registration is in progress")
            if state.get("state") != "healthy"
            else None,
        )
