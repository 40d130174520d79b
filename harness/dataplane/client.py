"""What the rest of the harness asks of a run's data plane: its status, a listener's URL,
and whether anything of it is left after the run stopped."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.errors import AccountError
from harness.paths import run_dir
from harness.stages import poll_until

# The data plane's files in its directory: what it serves, and the probes' results.
STATUS_FILE = "status.json"
HEALTH_FILE = "health.json"


def directory(run_id: str) -> Path:
    """Where a moto run's data plane keeps its instances, releases, proxy and health files."""
    return run_dir(run_id) / "dataplane"


def status(run_id: str) -> dict[str, Any]:
    """The data plane's status file ({} while it has written none)."""
    try:
        document = json.loads((directory(run_id) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def listener_url(run_id: str, load_balancer: str, port: int, timeout: float = 10.0) -> str:
    """The loopback URL that plays the load balancer's listener on `port` (waiting up to
    `timeout` s for the data plane to serve it)."""
    key = f"{load_balancer}:{port}"
    current, served = poll_until(
        lambda: status(run_id),
        lambda found: key in found.get("listeners", {}),
        lambda found: f"listeners {sorted(found.get('listeners', {}))}",
        timeout,
        0.2,
        lambda _: None,
    )
    if not served:
        known = ", ".join(sorted(current.get("listeners", {}))) or "none"
        raise AccountError(
            f"run {run_id}: the data plane serves no listener {key} (serving: {known}; "
            f"status {directory(run_id) / STATUS_FILE})"
        )
    return str(current["listeners"][key])


def alb_listener_url(run_id: str, elbv2: Any, listener_arn: str, timeout: float = 10.0) -> str:
    """The data plane's URL for a listener given by ARN (name and port read from the API)."""
    listener = elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]
    balancer = elbv2.describe_load_balancers(LoadBalancerArns=[listener["LoadBalancerArn"]])
    name = balancer["LoadBalancers"][0]["LoadBalancerName"]
    return listener_url(run_id, str(name), int(listener["Port"]), timeout)


def leftovers(run_id: str) -> list[str]:
    """Processes, ports and files of the run's data plane that still exist (empty: none)."""
    root = directory(run_id)
    found = [f"directory {root}"] if root.exists() else []
    marker = str(root).encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            argv = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if marker in argv or marker in environ:
            command = argv.replace(b"\0", b" ").decode(errors="replace")[:120]
            found.append(f"process {proc.name}: {command}")
    return found
