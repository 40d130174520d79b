"""A dead moto server is noticed in under a second: the probe, attach_moto, and `account down`.

Before the probe, attaching to a recorded run whose server had died succeeded, and every
later call spent 15-60 s in botocore and provider retries; `account down` then failed the
same way every time and the run's directory stayed under .cache/runs.
"""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.account import AccountError, answering, attach_moto
from harness.account.moto import PROBE_SECONDS, server_running, stop_server
from harness.cli import main
from harness.paths import CACHE_ENV

pytestmark = pytest.mark.unit


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, never listening: connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a hung server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def _serve(status: int) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"{}"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def live_url() -> Iterator[str]:
    """A tiny HTTP server on loopback that answers every GET with 200."""
    yield from _serve(200)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty harness cache (run records live under it)."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    return tmp_path


def _timed(url: str) -> tuple[bool, float]:
    started = time.monotonic()
    alive = answering(url)
    return alive, time.monotonic() - started


def test_account_probe_closed_port_is_dead_in_under_a_second(closed_port: int) -> None:
    """Connection refused: dead, measured well under a second."""
    alive, elapsed = _timed(f"http://127.0.0.1:{closed_port}")
    assert not alive
    assert elapsed < 1.0, f"probe of a closed port took {elapsed:.3f} s"


def test_account_probe_silent_server_is_dead_within_its_budget(silent_port: int) -> None:
    """A server that accepts and never answers (hung) is dead once the probe's budget is spent."""
    alive, elapsed = _timed(f"http://127.0.0.1:{silent_port}")
    assert not alive
    assert elapsed + 0.01 >= PROBE_SECONDS, f"gave up after {elapsed:.3f} s"
    assert elapsed < 1.0, f"took {elapsed:.3f} s"


def test_account_probe_live_http_server_is_alive(live_url: str) -> None:
    """A server answering 2xx on loopback is alive, fast."""
    alive, elapsed = _timed(live_url)
    assert alive
    assert elapsed < 1.0


def test_account_probe_other_http_answers_are_not_moto() -> None:
    """Something else on the port (a 404 for moto's config path) is not a live moto server."""
    for url in _serve(404):
        assert not answering(url)


def test_account_attach_dead_recorded_run_is_one_line_naming_the_way_out(
    closed_port: int, cache: Path
) -> None:
    """attach_moto on a recorded run whose server is gone: one AccountError line, under 1 s."""
    (cache / "runs" / "r1").mkdir(parents=True)
    url = f"http://127.0.0.1:{closed_port}"
    started = time.monotonic()
    with pytest.raises(AccountError) as raised:
        attach_moto(url, "r1")
    assert time.monotonic() - started < 1.0
    assert str(raised.value) == (
        f"moto server of run r1 at {url} is not answering (stopped?); "
        "`python -m harness account down --run-id r1` removes the run"
    )
    assert AccountError.exit_code == 5


def test_account_attach_probe_opt_out_and_live_server(closed_port: int, live_url: str) -> None:
    """probe=False attaches before a server is up; a live server attaches with the probe."""
    assert attach_moto(f"http://127.0.0.1:{closed_port}", "r1", probe=False).run_id == "r1"
    assert attach_moto(live_url, "r1").endpoint_url == live_url


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process that is not a moto server (a recorded pid the system has given to another)."""
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def test_account_stop_server_never_signals_another_process(
    bystander: subprocess.Popen[bytes],
) -> None:
    """A pid that is not a harness moto server is left alone."""
    assert not server_running(bystander.pid, None)
    assert not stop_server(bystander.pid, None)
    assert bystander.poll() is None


def _record(cache: Path, run_id: str, url: str, pid: int | None) -> Path:
    directory = cache / "runs" / run_id
    (directory / "template").mkdir(parents=True)
    record = {
        "kind": "moto",
        "run_id": run_id,
        "region": "eu-west-1",
        "created": "2026-01-01T00:00:00+00:00",
        "endpoint_url": url,
        "moto_pid": pid,
        "workdir": str(directory / "template"),
        "redis_auth_token": "x",
        "seed": {},
    }
    (directory / "run.json").write_text(json.dumps(record))
    return directory


def test_account_down_of_a_dead_run_removes_it(
    closed_port: int,
    cache: Path,
    bystander: subprocess.Popen[bytes],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`account down` of a run whose server is gone: exit 0, its directory removed, fast.

    The recorded pid now belongs to another process: it is not signalled.
    """
    directory = _record(cache, "r1", f"http://127.0.0.1:{closed_port}", bystander.pid)
    started = time.monotonic()
    assert main(["account", "down", "--run-id", "r1"]) == 0
    assert time.monotonic() - started < 2.0
    assert not directory.exists()
    out = capsys.readouterr().out
    assert "nothing to delete" in out
    assert f"removed {directory}" in out
    assert bystander.poll() is None


def test_account_sweep_of_a_dead_endpoint_fails_fast_with_exit_5(
    closed_port: int, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that attaches to a dead recorded run's server stops at once with the one line."""
    directory = _record(cache, "r1", f"http://127.0.0.1:{closed_port}", None)
    url = f"http://127.0.0.1:{closed_port}"
    started = time.monotonic()
    assert main(["sweep", "--endpoint-url", url, "--run-id", "r1", "--older-than", "0s"]) == 5
    assert time.monotonic() - started < 2.0
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: moto server of run r1 at {url} is not answering (stopped?); "
        "`python -m harness account down --run-id r1` removes the run"
    )
    assert directory.exists()
