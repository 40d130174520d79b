"""The data plane's own logic: health-check state machine and probes, the proxy's rendered
configuration (validated and run by the real HAProxy), env files and release names."""

from __future__ import annotations

import http.server
import math
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.account.moto import free_port
from harness.dataplane.health import TargetState, probe
from harness.dataplane.instances import parse_env_file
from harness.dataplane.model import Action, Condition, HealthCheck, Listener, Rule, TargetGroup
from harness.dataplane.proxy import Proxy, render
from harness.dataplane.releases import has_release, location_for, release_version

CHECK = HealthCheck(path="/v1/", matcher="200", interval=15, timeout=5, healthy=2, unhealthy=3)
needs_haproxy = pytest.mark.skipif(
    shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
    reason="haproxy is not installed (make setup installs it from .ci/apt-packages.txt)",
)


@pytest.mark.parametrize(
    ("matcher", "status", "expected"),
    [
        ("200", 200, True),
        ("200", 204, False),
        ("200,202", 202, True),
        ("200-299", 299, True),
        ("200-299", 300, False),
        ("nonsense", 200, False),
    ],
)
def test_health_matcher_codes_lists_and_ranges(matcher: str, status: int, expected: bool) -> None:
    """The health check matcher: single codes, lists and ranges, as AWS accepts them."""
    assert HealthCheck(matcher=matcher).matches(status) is expected


def test_health_target_turns_healthy_after_threshold_successes() -> None:
    """initial -> healthy only after `healthy` consecutive passes."""
    state = TargetState()
    assert not state.record(True, "", "", CHECK)
    assert state.state == "initial"
    assert state.record(True, "", "", CHECK)
    assert state.document() == {"state": "healthy", "reason": "", "description": ""}


def test_health_target_turns_unhealthy_after_threshold_failures_and_back() -> None:
    """initial -> unhealthy after `unhealthy` failures; a pass in between resets the count."""
    state = TargetState()
    for passed in (False, False, True, False, False):
        state.record(passed, "Target.Timeout", "Request timed out", CHECK)
    assert state.state == "initial"
    assert state.record(False, "Target.Timeout", "Request timed out", CHECK)
    assert (state.state, state.reason) == ("unhealthy", "Target.Timeout")
    state.record(True, "", "", CHECK)
    assert state.state == "unhealthy"
    state.record(True, "", "", CHECK)
    assert state.state == "healthy"
    for _ in range(2):
        state.record(False, "Target.ResponseCodeMismatch", "codes: [500]", CHECK)
    assert state.state == "healthy"
    state.record(False, "Target.ResponseCodeMismatch", "codes: [500]", CHECK)
    assert (state.state, state.reason) == ("unhealthy", "Target.ResponseCodeMismatch")


class Colour(http.server.BaseHTTPRequestHandler):
    """A stand-in instance: /v1/ answers `status`, /version names the colour."""

    colour = "blue"
    status = 200

    def do_GET(self) -> None:
        body = f'{{"colour":"{self.colour}"}}' if self.path == "/version" else "ok"
        self.send_response(self.status if self.path == "/v1/" else 200)
        self.send_header("content-length", str(len(body)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def servers() -> Iterator[dict[str, int]]:
    """Two instances on loopback ports: blue and green (green's /v1/ answers 500)."""
    started: dict[str, http.server.ThreadingHTTPServer] = {}
    for colour, status in (("blue", 200), ("green", 500)):
        handler = type(f"{colour}Handler", (Colour,), {"colour": colour, "status": status})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started[colour] = server
    yield {c: s.server_address[1] for c, s in started.items()}
    for server in started.values():
        server.shutdown()
        server.server_close()


def test_health_probe_passes_fails_and_reports_why(servers: dict[str, int]) -> None:
    """A real HTTP probe: 200 passes, 500 is a code mismatch, nothing listening fails."""
    assert probe(servers["blue"], CHECK, 1.0) == (True, "", "")
    passed, reason, description = probe(servers["green"], CHECK, 1.0)
    assert (passed, reason) == (False, "Target.ResponseCodeMismatch")
    assert "[500]" in description
    assert probe(free_port(), CHECK, 1.0)[:2] == (False, "Target.FailedHealthChecks")
    assert probe(None, CHECK, 1.0)[:2] == (False, "Target.FailedHealthChecks")


def groups() -> dict[str, TargetGroup]:
    return {
        arn: TargetGroup(arn, f"tg-{colour}", 4001, 30, CHECK, (f"i-{colour}",), colour)
        for colour, arn in (("blue", "arn:blue"), ("green", "arn:green"))
    }


def listeners(blue: int = 90, green: int = 10) -> tuple[Listener, ...]:
    header = Rule(
        "priority-10",
        10,
        (Condition("http-header", ("green",), "X-Colour"),),
        Action("forward", forward=(("arn:green", 1),)),
    )
    maintenance = Rule(
        "priority-20",
        20,
        (Condition("path-pattern", ("/maint*",)),),
        Action("fixed-response", fixed={"StatusCode": "418", "MessageBody": "tea $HOME"}),
    )
    default = Rule(
        "default",
        math.inf,
        (),
        Action("forward", forward=(("arn:blue", blue), ("arn:green", green))),
    )
    redirect = Rule(
        "default",
        math.inf,
        (),
        Action("redirect", redirect={"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}),
    )
    return (
        Listener("l1", "lb", 443, "HTTP", "", (header, maintenance, default)),
        Listener("l2", "lb", 80, "HTTP", "", (redirect,)),
    )


def test_proxy_render_routes_by_priority_and_weights() -> None:
    """Header rule before the weighted default; weights as cumulative thresholds; redirect
    to the HTTPS listener's local port; a `$` in a body is not expanded."""
    rendered = render(
        listeners(),
        groups(),
        {"arn:blue": {"i-blue"}, "arn:green": {"i-green"}},
        {"i-blue": 5001, "i-green": 5002},
        {"lb:443": 6443, "lb:80": 6080},
        {},
    )
    text = rendered.text
    assert rendered.problems == []
    assert "acl r0c0 req.hdr(X-Colour) -m reg -i '^green$'" in text
    assert text.index("str(r0)") < text.index("str(r1)") < text.index("str(r2)")
    assert "use_backend g0 if { var(txn.route) -m str r2 } { var(txn.pick) -m int lt 9000 }" in text
    assert "use_backend g1 if { var(txn.route) -m str r2 }\n" in text
    assert 'X-Harness-Route "default;blue=90,green=10"' in text
    assert '"https://%[req.hdr(host),field(1,:)]:6443%[capture.req.uri]" code 301' in text
    assert 'string "tea \\$HOME"' in text
    assert "server i-blue 127.0.0.1:5001" in text


def test_proxy_render_reports_what_it_cannot_emulate() -> None:
    """An unknown condition, a missing key, a redirect to no listener: problems, not passes."""
    odd = Rule("priority-5", 5, (Condition("query-string", ("a=b",)),), Action("forward"))
    tls = Listener("l3", "lb", 8443, "HTTPS", "arn:cert", (odd,))
    (first, second) = listeners()
    rendered = render((tls, first, second), groups(), {}, {}, {"lb:8443": 1, "lb:443": 2}, {})
    assert rendered.problems == ["lb:8443: no key for certificate arn:cert"]
    rendered = render(
        (Listener("l3", "lb", 8443, "HTTP", "", (odd,)), second),
        groups(),
        {},
        {},
        {"lb:8443": 1, "lb:80": 3},
        {},
    )
    assert rendered.problems == [
        "lb:8443 rule priority-5: condition query-string is not emulated; the rule never matches",
        "lb:80 rule default: redirect to https:443",
    ]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode(), response.headers["X-Harness-Route"]
    except urllib.error.HTTPError as error:
        return error.code, "", error.headers["X-Harness-Route"] or ""
    except OSError:  # refused, reset: a dropped request
        return 0, "", ""


@needs_haproxy
def test_proxy_routes_and_reloads_without_dropping(tmp_path: Path, servers: dict[str, int]) -> None:
    """The rendered configuration in the real HAProxy: weights, the header rule, a fixed
    response, and a weight change (reload) under load with no failed request."""
    ports = {"i-blue": servers["blue"], "i-green": servers["green"]}
    healthy = {"arn:blue": {"i-blue"}, "arn:green": {"i-green"}}
    frontends = {"lb:443": free_port(), "lb:80": free_port()}
    proxy = Proxy(tmp_path)

    def load(blue: int, green: int) -> None:
        rendered = render(listeners(blue, green), groups(), healthy, ports, frontends, {})
        assert proxy.apply(rendered.text), (tmp_path / "haproxy.rejected.cfg").read_text()

    url = f"http://127.0.0.1:{frontends['lb:443']}"
    try:
        load(90, 10)
        deadline = time.monotonic() + 5
        while get(url + "/version")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        served = Counter(get(url + "/version")[1] for _ in range(400))
        assert 300 < served['{"colour":"blue"}'] < 400, served
        assert get(url + "/version", {"X-Colour": "green"})[1:] == (
            '{"colour":"green"}',
            "priority-10;green=1",
        )
        assert get(url + "/maintenance")[0] == 418
        statuses: Counter[int] = Counter()
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                statuses[get(url + "/version")[0]] += 1

        workers = [threading.Thread(target=hammer) for _ in range(4)]
        for worker in workers:
            worker.start()
        for blue, green in ((50, 50), (0, 100), (100, 0), (10, 90)) * 3:
            load(blue, green)
            time.sleep(0.2)
        stop.set()
        for worker in workers:
            worker.join()
        assert set(statuses) == {200}, statuses
        assert sum(statuses.values()) > 200, statuses
        assert proxy.reloads == 12
        assert Counter(get(url + "/version")[2] for _ in range(5)) == {
            "default;blue=10,green=90": 5
        }
    finally:
        proxy.stop()
    assert proxy.process is None


def test_instances_read_env_files_like_systemd() -> None:
    """KEY=VALUE lines; comments, blanks and junk skipped; one level of quotes removed."""
    text = "# comment\nPORT=4001\n\n; other\nNAME=\"a b\"\nQUOTE='x'\njunk\nEMPTY=\n"
    assert parse_env_file(text) == {"PORT": "4001", "NAME": "a b", "QUOTE": "x", "EMPTY": ""}


@pytest.mark.parametrize(
    ("tag", "version"), [("v2.0.0", "2.0.0"), ("2.0.0", "2.0.0"), ("vnext", "vnext")]
)
def test_releases_version_from_ami_tag(tag: str, version: str) -> None:
    """The AMI's version tag names the release without its `v` (Packer's semantic version)."""
    assert release_version(tag) == version


def test_releases_location_is_the_api_roles() -> None:
    """The S3 layout the api role reads (README, "Images")."""
    location = location_for("demo", "production", "v2.0.0")
    assert location.tarball_key == "hello_world/2.0.0/hello_world-2.0.0.tar.gz"
    assert location.release_bucket == "demo-release"
    assert location.config_key("config.env") == "production/hello_world/config.env"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("v2.0.0", True), ("1.2.3-rc.1", True), ("v1.0.0+build.5", True), ("policy", False),
     ("v2", False), ("vnext", False), ("2.0.0 ", False)],
)  # fmt: skip
def test_releases_only_for_semantic_versions(tag: str, expected: bool) -> None:
    """Only a semantic AMI version (as Packer's api build requires) stands for a release."""
    assert has_release(tag) is expected
