"""The README's step-by-step release, as a user runs it: one `python -m harness` per step.

Before `account publish` this flow could not be followed (no command put AMI v2.0.0 into the
run's account, so `deploy --version v2.0.0` found no image), and a run whose moto server had
died cost every command 15-60 s of retries while `account down` failed on it for ever.
Each step is a subprocess with its own HARNESS_CACHE; a fixture runs `account down` whatever
the test did, and checks that no moto server of the run is left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.account import new_run_id
from harness.account.moto import server_running
from harness.paths import CACHE_ENV, REPO_ROOT

pytestmark = pytest.mark.integration

# Variables that would point a step at another account, run or cache than the test's own.
FOREIGN = ("AWS_", "HARNESS_RUN_ID", "HARNESS_ACCOUNT", "HARNESS_ATTACH", "HARNESS_KEEP")


@dataclass
class Run:
    """A run as a user drives it: its id, the steps' environment and what `account up` recorded."""

    run_id: str
    env: dict[str, str]
    cache: Path

    @property
    def directory(self) -> Path:
        return self.cache / "runs" / self.run_id

    def record(self) -> dict[str, Any]:
        return dict(json.loads((self.directory / "run.json").read_text()))

    def harness(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """`python -m harness ARGS --run-id R`, its output echoed into the test's log."""
        command = [sys.executable, "-m", "harness", *args, "--run-id", self.run_id]
        started = time.monotonic()
        done = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        took = time.monotonic() - started
        print(f"$ python -m harness {' '.join(args)} -> {done.returncode} in {took:.1f}s")
        print(done.stdout + done.stderr)
        return done

    def step(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """A step that must succeed."""
        done = self.harness(*args, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}: {done.stderr}"
        return done

    def status(self) -> dict[str, dict[str, Any]]:
        """`bluegreen status --json`, by colour."""
        data = json.loads(self.step("bluegreen", "status", "--json").stdout)
        rows = data["colours"] if isinstance(data, dict) else data  # {"colours", "notes"}
        return {row["colour"]: row for row in rows}


def moto_servers(port: int | None) -> list[int]:
    """Pids of live harness moto servers on `port` (what a run's server would leave behind)."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    return [pid for pid in pids if port is not None and server_running(pid, port)]


def _recorded_port(run: Run) -> int | None:
    """The port of the run's moto server as recorded (None when the run is not recorded)."""
    try:
        return _port(run.record())
    except (OSError, ValueError):
        return None


def _port(record: dict[str, Any] | None) -> int | None:
    url = str((record or {}).get("endpoint_url") or "")
    return int(url.rsplit(":", 1)[1]) if url.count(":") == 2 else None


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    """A fresh run id and cache; afterwards `account down` (whatever happened) and no server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    env[CACHE_ENV] = str(tmp_path / "cache")
    created = Run(run_id=new_run_id("f"), env=env, cache=tmp_path / "cache")
    try:
        yield created
    finally:
        port = _recorded_port(created)
        try:
            if port is not None:
                created.harness("account", "down", timeout=300)
        finally:
            left = moto_servers(port)
            for pid in left:  # never leak a server, even when `account down` failed
                os.kill(pid, signal.SIGKILL)
    assert not left, f"moto servers of run {created.run_id} outlived `account down`: {left}"


def test_release_flow_as_the_readme_writes_it(run: Run) -> None:
    """up, publish v2.0.0, deploy, promote 10/50/100, retire: green live at v2.0.0 with 100 %.

    Then a broken build (v3.0.0 published --unhealthy) is refused with exit 3, and the live
    colour keeps all the traffic; `bluegreen down` and `account down` leave nothing running.
    """
    up = run.step("account", "up", timeout=120)
    assert f"run {run.run_id} on moto" in up.stdout
    assert f"export HARNESS_RUN_ID={run.run_id}" in up.stdout
    port = _port(run.record())
    assert moto_servers(port), "account up left no moto server running"
    run.step("bluegreen", "up", timeout=900)

    published = run.step("account", "publish", "--version", "v2.0.0")
    assert published.stdout.startswith("published ami-")
    assert "  version=v2.0.0" in published.stdout
    again = run.harness("account", "publish", "--version", "v2.0.0")
    assert again.returncode == 2
    assert published.stdout.split()[1] in again.stderr  # names the image a deploy would race

    run.step("bluegreen", "deploy", "--version", "v2.0.0")
    run.step("bluegreen", "promote", "--steps", "10,50,100")
    run.step("bluegreen", "retire")
    status = run.status()
    assert status["green"]["live"]
    assert (status["green"]["version"], status["green"]["weight"]) == ("v2.0.0", 100)
    assert status["green"]["healthy"] >= status["green"]["capacity"] > 0
    assert (status["blue"]["weight"], status["blue"]["capacity"]) == (0, 0)

    broken = run.step("account", "publish", "--version", "v3.0.0", "--unhealthy")
    assert broken.stdout.startswith("published ami-"), broken.stdout
    refused = run.harness("bluegreen", "deploy", "--version", "v3.0.0", "--timeout", "20")
    assert refused.returncode == 3, refused.stderr
    assert "unhealthy" in refused.stderr
    after = run.status()
    assert after["green"]["live"]
    assert (after["green"]["version"], after["green"]["weight"]) == ("v2.0.0", 100)
    assert after["blue"]["weight"] == 0

    run.step("bluegreen", "down", timeout=900)
    down = run.step("account", "down", timeout=300)
    assert "stopped moto server" in down.stdout
    assert not run.directory.exists()
    assert moto_servers(port) == []


def test_dead_account_is_noticed_in_under_two_seconds(run: Run) -> None:
    """SIGKILL the run's moto server: status exits 5 at once in one line; down removes the run."""
    run.step("account", "up", timeout=120)
    record = run.record()
    pid, port, url = int(record["moto_pid"]), _port(record), record["endpoint_url"]
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while server_running(pid, port) and time.monotonic() < deadline:
        time.sleep(0.05)

    started = time.monotonic()
    status = run.harness("bluegreen", "status", timeout=60)
    took = time.monotonic() - started
    assert status.returncode == 5, status.stderr
    assert took < 2.0, f"bluegreen status on a dead account took {took:.1f}s"
    assert status.stderr.strip() == (
        f"error: moto server of run {run.run_id} at {url} is not answering (stopped?); "
        f"`python -m harness account down --run-id {run.run_id}` removes the run"
    )

    down = run.harness("account", "down", timeout=60)
    assert down.returncode == 0, down.stderr
    assert "nothing to delete" in down.stdout
    assert not run.directory.exists()
