"""The bounded load and its checks, against a real threaded HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import math
import random
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.stages import poll_until
from harness.traffic import (
    Load,
    Sample,
    binomial_interval,
    failed,
    parse_route,
    plot,
    report_document,
    share_problems,
    summarise,
    table,
    write_report,
)

pytestmark = pytest.mark.unit
SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Behaviour:
    """How the test server answers `/version`: like the emulated proxy, or wrongly on purpose."""

    weights: dict[str, int] = field(default_factory=lambda: {"blue": 90, "green": 10})
    advertised: dict[str, int] | None = None  # route header weights; None: the real ones
    route_header: bool = True  # False: like an AWS listener
    honour_header: bool = True
    failures: dict[int, str] = field(default_factory=dict)  # request n % 10 -> 500|close|text
    delay: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def choose(self, header: str | None) -> tuple[str, str]:
        """(failure mode or "", colour) for the next request."""
        with self.lock:
            self.count += 1
            mode = self.failures.get(self.count % 10, "")
            if header and self.honour_header:
                return mode, header
            names = sorted(self.weights)
            return mode, self.rng.choices(names, [self.weights[n] for n in names])[0]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    behaviour: Behaviour


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        b = self.server.behaviour
        header = self.headers.get("X-Colour")
        mode, colour = b.choose(header)
        if b.delay:
            time.sleep(b.delay)  # a slow app, for the client's timeout
        if mode == "close":
            return  # no answer: the server closes the connection
        status, body = (500, b"boom") if mode == "500" else (200, b"")
        if mode == "text":
            body = b"ok"
        elif not body:
            body = json.dumps({"version": "2.0.0", "colour": colour}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if b.route_header:
            weights = b.advertised or b.weights
            rule = f"header-{header}" if header else "default"
            shown = ",".join(f"{c}={w}" for c, w in weights.items())
            self.send_header("X-Harness-Route", f"{rule};{shown}")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, Behaviour]]:
    """A threaded HTTP server on a free port, and the behaviour a test may change."""
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.behaviour = Behaviour()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd.behaviour
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def run(url: str, requests: int, rate: float = 400.0, **options: object) -> list[Sample]:
    """Send exactly `requests` requests and return the samples."""
    load = Load(url, clients=8, rate=rate, max_requests=requests, **options)  # type: ignore[arg-type]
    with load:
        assert load.wait(30), "the load did not stop at max_requests"
    return load.samples


def wait_for(load: Load, n: int) -> None:
    """Until the load has `n` samples (the one polling loop)."""
    _, reached = poll_until(
        lambda: len(load.samples), lambda k: k >= n, str, 10, 0.01, lambda _: None
    )
    assert reached


def test_load_stops_by_itself_at_max_requests(server: tuple[str, Behaviour]) -> None:
    samples = run(server[0], 25)
    assert len(samples) == 25
    assert all(s.status == 200 for s in samples)


def test_load_stops_by_itself_at_max_seconds(server: tuple[str, Behaviour]) -> None:
    load = Load(server[0], rate=40, max_seconds=0.5).start()
    began = time.monotonic()
    assert load.wait(5)
    assert time.monotonic() - began < 1.5
    samples = load.stop()
    assert 16 <= len(samples) <= 20  # slots due at 0, 0.025, ... 0.475 s (a few may be missed)
    assert max(s.started for s in samples) < 0.5


def test_load_paces_to_the_rate_without_bursts(server: tuple[str, Behaviour]) -> None:
    load = Load(server[0], rate=100, max_seconds=1.0).start()
    assert load.wait(5)
    starts = [s.started for s in load.stop()]
    assert 85 <= len(starts) <= 100
    busiest = max(sum(1 for t in starts if w / 100 <= t < w / 100 + 0.1) for w in range(91))
    assert busiest <= 13, f"{busiest} requests in 0.1 s at 100/s"


def test_load_stop_is_idempotent_and_the_load_a_context_manager(
    server: tuple[str, Behaviour],
) -> None:
    with Load(server[0], rate=200) as load:
        wait_for(load, 5)
    first = load.stop()
    assert first == load.stop()
    assert len(first) >= 5
    with pytest.raises(RuntimeError, match="already started"):
        load.start()


def test_load_labels_stages_and_attributes_the_route_header_weights(
    server: tuple[str, Behaviour],
) -> None:
    url, behaviour = server
    behaviour.weights = {"blue": 100, "green": 0}
    load = Load(url, rate=300, clients=6)
    load.stage("blue only", {"blue": 100, "green": 0})
    with load:
        wait_for(load, 20)
        load.stage("claimed half", {"blue": 50, "green": 50})
        wait_for(load, 40)
    reports = summarise(load.samples)
    assert [r.name for r in reports] == ["blue only", "claimed half"]
    # The proxy's header says what routed the request; it outranks what the stage claimed.
    assert reports[1].weights == {"blue": 100, "green": 0}
    assert all(s.route == "default" for s in load.samples)


def test_load_takes_the_stage_weights_without_a_route_header(
    server: tuple[str, Behaviour],
) -> None:
    url, behaviour = server
    behaviour.route_header = False
    load = Load(url, rate=300, clients=6)
    load.stage("applied 90/10", {"blue": 90, "green": 10})
    with load:
        wait_for(load, 10)
    (report,) = summarise(load.samples)
    assert report.weights == {"blue": 90, "green": 10}
    assert all(s.route is None and s.weights is None for s in load.samples)


def test_load_header_share_spreads_the_header_evenly(server: tuple[str, Behaviour]) -> None:
    load = Load(server[0], rate=400, clients=4, max_requests=40, header_share=0.25)
    load.header("green")
    with load:
        assert load.wait(10)
    (report,) = summarise(load.samples)
    assert report.header_requests == 10
    assert report.header_served == {"green": 10}


def test_load_sends_the_header_on_every_request_when_no_share_is_given(
    server: tuple[str, Behaviour],
) -> None:
    load = Load(server[0], rate=400, max_requests=15)
    load.header("green")
    with load:
        assert load.wait(10)
    assert [s.header for s in load.samples] == ["green"] * 15


def test_share_problems_pass_a_fair_server(server: tuple[str, Behaviour]) -> None:
    samples = run(server[0], 500, header_share=0.2)
    assert share_problems(samples) == []


def test_share_problems_flag_a_server_that_ignores_its_weights(
    server: tuple[str, Behaviour],
) -> None:
    url, behaviour = server
    behaviour.weights, behaviour.advertised = {"blue": 50, "green": 50}, {"blue": 90, "green": 10}
    problems = share_problems(run(url, 300))
    assert any("blue=90/green=10" in p and "green served" in p for p in problems), problems


def test_share_problems_flag_a_server_that_ignores_the_header(
    server: tuple[str, Behaviour],
) -> None:
    url, behaviour = server
    behaviour.honour_header = False
    load = Load(url, rate=400, max_requests=60)
    load.header("green")
    with load:
        assert load.wait(10)
    problems = share_problems(load.samples)
    assert any("with X-Colour: green served by blue" in p for p in problems), problems


def sample(t: float, colour: str | None = "blue", **fields: object) -> Sample:
    """A sample as the load would record it."""
    values: dict[str, object] = {"stage": "s", "status": 200, "latency_ms": 1.0} | fields
    return Sample(t, colour=colour, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("weights", "colours", "bad"),
    [
        ({"blue": 100, "green": 0}, ["blue"] * 50, False),
        ({"blue": 100, "green": 0}, ["blue"] * 49 + ["green"], True),
        ({"blue": 0, "green": 100}, ["green"] * 49 + ["blue"], True),
        ({"blue": 50, "green": 50}, ["blue", "green"] * 25, False),
    ],
)
def test_share_problems_hold_weights_0_and_100_exactly(
    weights: dict[str, int], colours: list[str], bad: bool
) -> None:
    samples = [sample(i, c, stage_weights=weights) for i, c in enumerate(colours)]
    assert bool(share_problems(samples)) is bad


def test_failed_reports_500s_bad_bodies_and_closed_connections(
    server: tuple[str, Behaviour],
) -> None:
    url, behaviour = server
    behaviour.failures = {3: "500", 5: "text", 7: "close"}
    samples = run(url, 40)
    lines = failed(samples)
    assert any("4 x status 500" in line for line in lines), lines
    assert any("4 x status 200 (body)" in line for line in lines), lines
    assert any("4 x connection error (closed)" in line for line in lines), lines
    (report,) = summarise(samples)
    assert (report.non_2xx, report.connection_errors, report.errors) == (4, 4, 12)


def test_failed_reports_refused_connections_and_timeouts(server: tuple[str, Behaviour]) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, never listening: connections are refused
        refused = run(f"http://127.0.0.1:{port}", 3)
    url, behaviour = server
    behaviour.delay = 0.4
    slow = run(url, 2, timeout=0.1)
    assert [s.error for s in refused + slow] == ["refused"] * 3 + ["timeout"] * 2
    assert any("3 x connection error (refused)" in line for line in failed(refused))


def test_summarise_gives_nearest_rank_percentiles_in_stage_order() -> None:
    samples = [sample(i, stage="b" if i < 100 else "a", latency_ms=i % 100 + 1) for i in range(200)]
    reports = summarise(samples)
    assert [r.name for r in reports] == ["b", "a"]
    assert (reports[0].p50_ms, reports[0].p99_ms) == (50, 99)
    assert reports[0].served == {"blue": 100}


def test_report_document_has_stages_total_problems_and_meta(tmp_path: Path) -> None:
    samples = [sample(0, stage_weights={"blue": 100}), sample(1, "green", status=503)]
    document = report_document(samples, meta={"run_id": "r1"})
    assert set(document) == {"stages", "total", "problems", "run_id"}
    assert set(document["stages"][0]) == {
        "name", "weights", "requests", "served", "errors", "non_2xx", "connection_errors",
        "p50_ms", "p99_ms", "header_requests", "header_served", "routed",
    }  # fmt: skip
    assert (document["total"]["requests"], document["total"]["non_2xx"]) == (2, 1)
    assert any("status 503" in p for p in document["problems"])
    write_report(tmp_path / "traffic.json", document)
    assert json.loads((tmp_path / "traffic.json").read_text()) == document
    with pytest.raises(ValueError, match="total"):
        report_document(samples, meta={"total": 1})


def test_plot_writes_a_deterministic_svg_that_marks_errors_and_stages(tmp_path: Path) -> None:
    ten, fifty = {"blue": 90, "green": 10}, {"blue": 50, "green": 50}
    samples = [
        sample(i / 10, "green" if i % 10 == 0 else "blue", stage="ten", stage_weights=ten)
        for i in range(50)
    ] + [sample(i / 10, "green" if i % 2 else "blue", stage="fifty", stage_weights=fifty)
         for i in range(50, 100)]  # fmt: skip
    samples += [
        sample(2.05, None, stage="ten", status=0, error="reset"),
        sample(7.05, stage="fifty", status=502),
    ]
    plot(tmp_path / "a.svg", samples, summarise(samples))
    plot(tmp_path / "b.svg", samples, summarise(samples))
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    root = ET.parse(tmp_path / "a.svg").getroot()
    (errors,) = [g for g in root.iter(f"{SVG}g") if g.get("id") == "errors"]
    assert len(list(errors.iter(f"{SVG}use"))) == 2
    texts = {"".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")}
    assert {"ten", "fifty"} <= texts
    plot(tmp_path / "c.png", samples, summarise(samples))
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_binomial_interval_known_values() -> None:
    lo, hi = binomial_interval(1000, 0.1, 0.999)
    assert 68 <= lo <= 72
    assert 129 <= hi <= 134
    assert binomial_interval(50, 0.0) == (0, 0)
    assert binomial_interval(50, 1.0) == (50, 50)
    assert binomial_interval(0, 0.5) == (0, 0)


def brute_force(n: int, p: Fraction, confidence: Fraction) -> tuple[int, int]:
    """The same quantiles from exact fractions."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    tail = (1 - confidence) / 2
    lo = next(k for k in range(n + 1) if sum(pmf[: k + 1]) >= tail)
    hi = next(k for k in range(n, -1, -1) if sum(pmf[k:]) >= tail)
    return lo, hi


@pytest.mark.parametrize("n", [1, 7, 20, 60])
@pytest.mark.parametrize("p", ["1/10", "1/2", "9/10"])
@pytest.mark.parametrize("confidence", ["9/10", "999/1000"])
def test_binomial_interval_matches_a_brute_force_sum(n: int, p: str, confidence: str) -> None:
    expected = brute_force(n, Fraction(p), Fraction(confidence))
    assert binomial_interval(n, float(Fraction(p)), float(Fraction(confidence))) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("default;blue=90,green=10", ("default", {"blue": 90, "green": 10})),
        ("header-green;green=100", ("header-green", {"green": 100})),
        ("default", ("default", None)),
        ("maintenance;fixed-response", ("maintenance", None)),
        ("default;blue=ninety", ("default", None)),
        (None, (None, None)),
    ],
)
def test_parse_route_reads_rule_and_weights(
    value: str | None, expected: tuple[str | None, dict[str, int] | None]
) -> None:
    assert parse_route(value) == expected


def test_table_has_a_row_per_stage_with_served_colours() -> None:
    samples = [sample(0, stage_weights={"blue": 90, "green": 10}), sample(1, "green")]
    lines = table(summarise(samples)).splitlines()
    assert lines[0].split() == ["stage", "weights", "requests", "blue", "green", "errors", "p50",
                                "ms", "p99", "ms"]  # fmt: skip
    assert lines[1].split()[:5] == ["s", "blue=90/green=10", "2", "1", "1"]


def test_summarise_shows_every_weight_a_stage_was_routed_by() -> None:
    """A stage in which terraform moved the weights lists both, in order; its `weights` are
    the last (what the stage applied)."""
    samples = [
        Sample(0.1 * i, "promote 10", 200, "blue", "1.0.0", 2.0, None, "default", before)
        for i, before in enumerate([{"blue": 100, "green": 0}] * 3)
    ] + [
        Sample(1 + 0.1 * i, "promote 10", 200, colour, "2.0.0", 2.0, None, "default", after)
        for i, (colour, after) in enumerate([("green", {"blue": 90, "green": 10})] * 2)
    ]
    (report,) = summarise(samples)
    assert report.weights == {"blue": 90, "green": 10}
    assert report.routed == [
        {"weights": {"blue": 100, "green": 0}, "requests": 3, "served": {"blue": 3}},
        {"weights": {"blue": 90, "green": 10}, "requests": 2, "served": {"green": 2}},
    ]
    assert "blue=100/green=0 > blue=90/green=10" in table([report])
