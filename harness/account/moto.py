"""The moto server the harness owns: a child process on a loopback port, with the shims applied.

The child dies with the harness (Linux parent-death signal) unless detached for a kept run;
`reset` empties it between isolated tests. Which shims it applies is chosen here: all of
them by default, the ones $HARNESS_MOTO_SHIMS names when bisecting an emulator gap.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from harness import shims as shim_package
from harness.errors import AccountError, UsageError
from harness.process import signal_on_parent_death

SHIMS_VARIABLE = "HARNESS_MOTO_SHIMS"
LOG_VARIABLE = "HARNESS_MOTO_LOG"
# The liveness probe: one TCP connect and one request for moto's small config document
# (data.json would serialise every resource), all within this many seconds.
PROBE_SECONDS = 0.5
PROBE_PATH = "/moto-api/config"
SERVER_MODULE = "harness.shims"  # what the server's command line runs (MotoServer.command)
# The data plane runs beside the server when this shim (which reads its health checks) is on.
DATAPLANE_SHIM = "target_health_from_probes"
DATAPLANE_VARIABLE = "HARNESS_DATAPLANE"


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answering(endpoint_url: str, timeout: float = PROBE_SECONDS) -> bool:
    """Whether a server answers at `endpoint_url` (http) with a 2xx, within `timeout` seconds.

    One TCP connect, then one `GET /moto-api/config` (moto's cheapest document); the deadline
    covers both, so a refused port answers at once and a hung server after `timeout`, where
    botocore would retry for tens of seconds.
    """
    parts = urllib.parse.urlsplit(endpoint_url)
    if parts.scheme != "http" or not parts.hostname:
        raise UsageError(f"{endpoint_url}: a moto endpoint is http://host:port")
    deadline = time.monotonic() + timeout
    request = f"GET {PROBE_PATH} HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode()
    answer = b""
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout) as sock:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.sendall(request)
            while b"\r\n" not in answer and len(answer) < 1024:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                sock.settimeout(left)
                chunk = sock.recv(1024)
                if not chunk:
                    break
                answer += chunk
    except OSError:  # refused, unreachable, timed out (socket.timeout is an OSError)
        return False
    status = answer.split(b"\r\n", 1)[0].split()
    return len(status) >= 2 and status[0].startswith(b"HTTP/") and status[1][:1] == b"2"


def server_running(pid: int, port: int | None) -> bool:
    """Whether `pid` is a live (not zombie) harness moto server, on `port` when given.

    Checked through /proc before any signal, so a recorded pid the system has since given to
    another process is never killed.
    """
    proc = Path("/proc") / str(pid)
    try:
        argv = (proc / "cmdline").read_bytes().split(b"\0")
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state in ("Z", "X") or SERVER_MODULE.encode() not in argv:
        return False
    if port is None:
        return True
    try:
        return argv[argv.index(b"--port") + 1] == str(port).encode()
    except (ValueError, IndexError):
        return False


def stop_server(pid: int, port: int | None, timeout: float = 10.0) -> bool:
    """Stop the harness moto server `pid` (SIGTERM, SIGKILL after `timeout`); False if none ran."""
    if not server_running(pid, port):
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        end = time.monotonic() + wait
        while time.monotonic() < end:
            if not server_running(pid, port):
                return True
            time.sleep(0.05)
    return not server_running(pid, port)


def chosen_shims(
    shims: tuple[str, ...] | None = None, environ: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """The shims to apply: `shims`, else $HARNESS_MOTO_SHIMS (comma-separated), else all."""
    environ = os.environ if environ is None else environ
    if shims is None and SHIMS_VARIABLE in environ:  # bisecting an emulator gap
        shims = tuple(name for name in environ[SHIMS_VARIABLE].split(",") if name)
    if shims is None:
        return shim_package.SHIM_MODULES
    unknown = [name for name in shims if name not in shim_package.SHIM_MODULES]
    if unknown:
        raise UsageError(
            f"unknown moto shim {', '.join(unknown)} (from {SHIMS_VARIABLE} or --shims); "
            f"known: {', '.join(shim_package.SHIM_MODULES)}"
        )
    return shims


@dataclass
class MotoServer:
    """A moto server in a child process, with the harness's shims applied."""

    port: int
    shims: tuple[str, ...]
    detach: bool = False
    project: str = ""
    dataplane_dir: Path | None = None
    region: str = "eu-west-1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The endpoint URL clients use."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The child's command line: `python -m harness.shims` with the port and shims."""
        return [
            sys.executable,
            "-m",
            "harness.shims",
            "--port",
            str(self.port),
            "--shims",
            ",".join(self.shims),
            *(
                [
                    *("--project", self.project, "--region", self.region),
                    *("--dataplane-dir", str(self.dataplane_dir)),
                ]
                if self.dataplane_dir is not None and DATAPLANE_SHIM in self.shims
                else []
            ),
        ]

    def start(self) -> MotoServer:
        """Start the child process and wait until it answers."""
        log = Path(os.environ.get(LOG_VARIABLE, os.devnull))
        self.process = subprocess.Popen(
            self.command(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=None if self.detach else signal_on_parent_death(signal.SIGTERM),
        )
        if not self.detach:
            atexit.register(self.stop)
        self._wait_until_answering()
        return self

    @retry(
        retry=retry_if_exception_type(OSError),
        stop=stop_after_delay(30),
        wait=wait_fixed(0.2),
        reraise=True,
    )
    def _wait_until_answering(self) -> None:
        """Poll moto's data endpoint until it answers; fail at once if the child exited."""
        if self.process is not None and self.process.poll() is not None:
            raise AccountError(
                f"moto server on port {self.port} exited ({self.process.returncode})"
            )
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=2):
            pass

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint); the shims stay applied."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        """Stop the child process (idempotent)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
