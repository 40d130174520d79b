"""Real health checks: each target group's settings drive HTTP probes of its targets, and the
results are what DescribeTargetHealth answers (moto reads them through the shim
`target_health_from_probes`).

States follow the load balancer's: a registered target is `initial` until it passes
`healthy` consecutive checks (then `healthy`) or fails `unhealthy` consecutive ones (then
`unhealthy`); a healthy target turns unhealthy after `unhealthy` consecutive failures and
back after `healthy` successes. Intervals and timeouts are the target group's, multiplied by
the data plane's time scale (README, "Data plane").
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from harness.dataplane.model import HealthCheck, TargetGroup
from harness.paths import write_atomically

# Probes never wait less than this (seconds), whatever the scale: a BEAM answering on a
# loaded 2-core machine needs some slack; still below the scaled 1.5 s interval.
MIN_TIMEOUT = 1.0
INITIAL = ("initial", "Elb.RegistrationInProgress", "Target registration is in progress")


@dataclass
class TargetState:
    """One target's health in one target group."""

    state: str = INITIAL[0]
    reason: str = INITIAL[1]
    description: str = INITIAL[2]
    successes: int = 0
    failures: int = 0
    due: float = 0.0
    busy: bool = False

    def record(self, passed: bool, reason: str, description: str, check: HealthCheck) -> bool:
        """Count one probe result; True when the reported state changed."""
        before = (self.state, self.reason)
        if passed:
            self.successes, self.failures = self.successes + 1, 0
            if self.state != "healthy" and self.successes >= check.healthy:
                self.state, self.reason, self.description = "healthy", "", ""
        else:
            self.successes, self.failures = 0, self.failures + 1
            if self.state == "unhealthy" or self.failures >= check.unhealthy:
                self.state, self.reason, self.description = "unhealthy", reason, description
        return (self.state, self.reason) != before

    def document(self) -> dict[str, str]:
        """The state as DescribeTargetHealth reports it."""
        return {"state": self.state, "reason": self.reason, "description": self.description}


def probe(port: int | None, check: HealthCheck, timeout: float) -> tuple[bool, str, str]:
    """One HTTP health check of a target on loopback: (passed, reason, description)."""
    if port is None:
        return False, "Target.FailedHealthChecks", "Health checks failed (no service is listening)"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", check.path, headers={"User-Agent": "ELB-HealthChecker/2.0"})
        status = connection.getresponse().status
    except TimeoutError:
        return False, "Target.Timeout", "Request timed out"
    except (OSError, http.client.HTTPException) as error:
        return (
            False,
            "Target.FailedHealthChecks",
            f"Health checks failed ({error.__class__.__name__})",
        )
    finally:
        connection.close()
    if check.matches(status):
        return True, "", ""
    return (
        False,
        "Target.ResponseCodeMismatch",
        f"Health checks failed with these codes: [{status}]",
    )


class HealthChecks:
    """Probes every registered target on its group's schedule; writes the states to a file."""

    def __init__(self, path: Path, scale: float, workers: int = 8) -> None:
        self.path = path
        self.scale = scale
        self._lock = threading.Lock()
        self._groups: dict[str, TargetGroup] = {}
        self._ports: dict[str, int] = {}
        self._states: dict[tuple[str, str], TargetState] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="health")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="health", daemon=True)
        self._dirty = True

    def start(self) -> HealthChecks:
        """Start probing (and write the first, empty, state file)."""
        self._write()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop probing; idempotent."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def update(self, groups: Mapping[str, TargetGroup], ports: Mapping[str, int]) -> None:
        """The registered targets and the loopback port each instance serves on."""
        with self._lock:
            self._groups = dict(groups)
            self._ports = dict(ports)
            wanted = {(g.arn, t) for g in groups.values() for t in g.targets}
            for key in list(self._states):
                if key not in wanted:
                    del self._states[key]
                    self._dirty = True
            for key in wanted - set(self._states):
                self._states[key] = TargetState(due=time.monotonic())
                self._dirty = True

    def state(self, group_arn: str, instance_id: str) -> str:
        """The current state of one target ('' when it is not registered)."""
        with self._lock:
            found = self._states.get((group_arn, instance_id))
            return found.state if found else ""

    def healthy(self) -> dict[str, set[str]]:
        """Healthy instance ids per target group."""
        with self._lock:
            out: dict[str, set[str]] = {}
            for (group, instance), state in self._states.items():
                if state.state == "healthy":
                    out.setdefault(group, set()).add(instance)
            return out

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            now = time.monotonic()
            with self._lock:
                due = [
                    (key, state)
                    for key, state in self._states.items()
                    if not state.busy and state.due <= now and key[0] in self._groups
                ]
                for key, state in due:
                    check = self._groups[key[0]].check
                    state.busy = True
                    state.due = now + check.interval * self.scale
                    self._pool.submit(self._probe, key, self._ports.get(key[1]), check)

    def _probe(self, key: tuple[str, str], port: int | None, check: HealthCheck) -> None:
        timeout = max(check.timeout * self.scale, MIN_TIMEOUT)
        passed, reason, description = probe(port, check, timeout)
        with self._lock:
            state = self._states.get(key)
            if state is None:
                return
            state.busy = False
            if state.record(passed, reason, description, check):
                self._dirty = True

    def flush(self) -> None:
        """Publish the states (to DescribeTargetHealth) if they changed. The data plane calls
        it after the proxy took the same states, so a target reported healthy is routed."""
        if self._dirty:
            self._write()

    def _write(self) -> None:
        with self._lock:
            self._dirty = False
            document: dict[str, dict[str, dict[str, str]]] = {}
            for (group, instance), state in sorted(self._states.items()):
                document.setdefault(group, {})[instance] = state.document()
        write_atomically(self.path, json.dumps(document, indent=1, sort_keys=True))


def read_states(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """The health file as written by `HealthChecks` ({} when missing or being replaced)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}
