"""Bounded HTTP load through the listener during a release, and what it must show.

The same code serves the emulated data plane and a real AWS account. Where the proxy adds
`X-Harness-Route: <rule>;blue=90,green=10`, each answer names the weights that routed it;
on AWS the header is absent and the weights a stage was given (what terraform applied) stand.
"""

from __future__ import annotations

import http.client
import json
import math
import ssl
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.paths import write_atomically

ROUTE_HEADER = "X-Harness-Route"
COLOUR_HEADER = "X-Colour"
BODY_LIMIT = 65536
# Most specific first: RemoteDisconnected is a ConnectionResetError.
_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (TimeoutError, "timeout"),
    (ConnectionRefusedError, "refused"),
    (http.client.RemoteDisconnected, "closed"),
    (ConnectionResetError, "reset"),
    (ssl.SSLError, "tls"),
    (http.client.HTTPException, "http"),
)


@dataclass(frozen=True)
class Sample:
    """One request: when (s since the load started), in which stage, and what came back.

    `status` 0 is a connection error or timeout and `error` names its kind; `error` is also
    set on a 2xx `/version` answer without a colour ("body"). `route`/`weights` come from the
    route header, `stage_weights` from `Load.stage`.
    """

    started: float
    stage: str
    status: int
    colour: str | None = None
    version: str | None = None
    latency_ms: float = 0.0
    header: str | None = None
    route: str | None = None
    weights: dict[str, int] | None = None
    error: str | None = None
    stage_weights: dict[str, int] | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer that said what it had to."""
        return 200 <= self.status < 300 and self.error is None

    @property
    def applied(self) -> dict[str, int] | None:
        """The weights that routed this request: the route header's, else the stage's."""
        return self.weights if self.weights is not None else self.stage_weights


def parse_route(value: str | None) -> tuple[str | None, dict[str, int] | None]:
    """`rule;blue=90,green=10` as (rule, weights); a part that does not parse is None."""
    if not value:
        return None, None
    rule, _, rest = value.partition(";")
    try:
        pairs = (item.split("=", 1) for item in rest.split(",") if item.strip())
        weights = {name.strip(): int(weight) for name, weight in pairs}
    except ValueError:
        return rule.strip() or None, None
    return rule.strip() or None, weights or None


class Load:
    """Requests at a fixed `rate` over `clients` threads until `stop()` or a bound is reached.

    Bounded in requests and time: no request is sent after `max_requests` were sent or
    `max_seconds` passed, so a load that is never stopped ends within `max_seconds + timeout`.
    Request k is due at k / rate; a slot missed because every client was busy is skipped, not
    sent late in a burst. Every request opens its own connection (the app closes each one).
    With `header(colour)` set, `header_share` of the requests carry `X-Colour: colour`, spread
    evenly; a share of 0 means every request carries it. TLS is not verified, or against
    `cafile` without the hostname (the listener's DNS name is not on its certificate).
    Worker threads never raise: a failed request is a Sample with status 0 and its `error`.
    """

    def __init__(
        self,
        url: str,
        *,
        clients: int = 4,
        rate: float = 40.0,
        max_requests: int = 50_000,
        max_seconds: float = 1200.0,
        path: str = "/version",
        header_share: float = 0.0,
        timeout: float = 5.0,
        cafile: str | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"load url {url!r}: want http(s)://host[:port]")
        if clients < 1 or rate <= 0 or max_requests < 1 or max_seconds <= 0:
            raise ValueError(
                f"load on {url}: clients, rate, max_requests and max_seconds must be positive"
            )
        if not 0.0 <= header_share <= 1.0:
            raise ValueError(f"load on {url}: header_share {header_share} is not within 0..1")
        self.url, self.path, self.timeout = url, path, timeout
        self.clients, self.rate = clients, rate
        self.max_requests, self.max_seconds = max_requests, max_seconds
        self.header_share = header_share
        self._host, self._port = parts.hostname, parts.port
        self._tls: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self._tls = ssl.create_default_context(cafile=cafile)
            self._tls.check_hostname = False
            if cafile is None:
                self._tls.verify_mode = ssl.CERT_NONE
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._samples: list[Sample] = []
        self._stage: tuple[str, dict[str, int] | None] = ("start", None)
        self._colour: str | None = None
        self._header_count = 0
        self._next = 0
        self._sent = 0
        self.missed = 0
        self._t0 = 0.0

    def start(self) -> Load:
        """Start the clients (once)."""
        with self._lock:
            if self._threads:
                raise RuntimeError(f"load on {self.url} was already started")
            self._t0 = time.monotonic()
            self._threads = [
                threading.Thread(target=self._client, name=f"load-{i}", daemon=True)
                for i in range(self.clients)
            ]
        for thread in self._threads:
            thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the load ends by itself (a bound reached); whether it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    def stop(self) -> list[Sample]:
        """Send no more requests, wait for those in flight; every sample (again if called again)."""
        self._stopping.set()
        self.wait()
        return self.samples

    def __enter__(self) -> Load:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def samples(self) -> list[Sample]:
        """The samples so far, in the order their requests started."""
        with self._lock:
            return sorted(self._samples, key=lambda s: s.started)

    def stage(self, name: str, weights: Mapping[str, int] | None = None) -> None:
        """Label the requests sent from now on; `weights` is what terraform applied (if known)."""
        with self._lock:
            self._stage = (name, dict(weights) if weights is not None else None)

    def header(self, colour: str | None) -> None:
        """From now on send `X-Colour: colour` on `header_share` of the requests (None: on none)."""
        with self._lock:
            self._colour, self._header_count = colour, 0

    def _claim(self) -> float | None:
        """The due time of the next slot, or None when the load is over."""
        with self._lock:
            if self._stopping.is_set() or self._sent >= self.max_requests:
                return None
            late = math.floor((time.monotonic() - self._t0) * self.rate)
            if self._next < late:
                self.missed += late - self._next
                self._next = late
            due = self._t0 + self._next / self.rate
            if due - self._t0 >= self.max_seconds:
                return None
            self._next += 1
            self._sent += 1
            return due

    def _labels(self) -> tuple[str, dict[str, int] | None, str | None]:
        with self._lock:
            name, weights = self._stage
            colour = self._colour
            if colour is not None and self.header_share > 0:
                j = self._header_count
                self._header_count += 1
                if math.floor((j + 1) * self.header_share) == math.floor(j * self.header_share):
                    colour = None
            return name, weights, colour

    def _client(self) -> None:
        while (due := self._claim()) is not None:
            if self._stopping.wait(max(0.0, due - time.monotonic())):
                return
            try:
                sample = self._request(*self._labels())
            except Exception as error:  # never let a worker die with a traceback
                kind = f"bug: {type(error).__name__}: {error}"
                sample = Sample(time.monotonic() - self._t0, "?", 0, error=kind)
            with self._lock:
                self._samples.append(sample)

    def _request(self, stage: str, weights: dict[str, int] | None, colour: str | None) -> Sample:
        headers = {"Connection": "close"} | ({COLOUR_HEADER: colour} if colour else {})
        began = time.monotonic()
        status, body, route, error = 0, b"", None, None
        connection = (
            http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout, context=tls)
            if (tls := self._tls)
            else http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        )
        try:
            connection.request("GET", self.path, headers=headers)
            response = connection.getresponse()
            status, body = response.status, response.read(BODY_LIMIT)
            route = response.getheader(ROUTE_HEADER)
        except Exception as failure:
            status, error = 0, error_kind(failure)
        finally:
            connection.close()
        latency_ms = (time.monotonic() - began) * 1000.0
        served, version = read_version(body) if status else (None, None)
        if 200 <= status < 300 and served is None and self.path.rstrip("/").endswith("version"):
            error = "body"
        rule, routed = parse_route(route)
        return Sample(
            began - self._t0, stage, status, served, version, latency_ms, colour, rule, routed,
            error=error, stage_weights=weights,
        )  # fmt: skip


def error_kind(error: BaseException) -> str:
    """A short name for why a request got no answer."""
    for kind, name in _KINDS:
        if isinstance(error, kind):
            return name
    return type(error).__name__


def read_version(body: bytes) -> tuple[str | None, str | None]:
    """(colour, version) from a `/version` answer; (None, None) from any other body."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    found = [data.get(k) if isinstance(data, dict) else None for k in ("colour", "version")]
    colour, version = (v if isinstance(v, str) else None for v in found)
    return colour, version


def binomial_interval(n: int, p: float, confidence: float = 0.999) -> tuple[int, int]:
    """The counts of n draws at probability p that fall outside [lo, hi] with probability at
    most 1 - confidence, half in each tail (exact quantiles, log-space terms via lgamma)."""
    if n == 0 or p <= 0.0:
        return 0, 0
    if p >= 1.0:
        return n, n
    tail = (1.0 - confidence) / 2.0
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    pmf = [
        math.exp(log_n - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * log_p + (n - k) * log_q)
        for k in range(n + 1)
    ]
    lo, below = 0, pmf[0]
    while below < tail:  # the smallest lo with P(X <= lo) >= tail
        lo += 1
        below += pmf[lo]
    hi, above = n, pmf[n]
    while above < tail:  # the largest hi with P(X >= hi) >= tail
        hi -= 1
        above += pmf[hi]
    return lo, hi


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0.0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q / 100.0 * len(ordered)) - 1)]


@dataclass
class StageReport:
    """What one stage's requests saw. `served` counts every answer per colour (header requests
    included, `header_served` is their part); `errors` counts every request that is not `ok`."""

    name: str
    weights: dict[str, int]
    requests: int = 0
    served: dict[str, int] = field(default_factory=dict)
    non_2xx: int = 0
    connection_errors: int = 0
    errors: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    header_requests: int = 0
    header_served: dict[str, int] = field(default_factory=dict)


def _report(name: str, samples: Sequence[Sample]) -> StageReport:
    routed = Counter(
        tuple(sorted(s.weights.items())) for s in samples if s.weights and s.header is None
    )
    given = next((s.stage_weights for s in samples if s.stage_weights is not None), None)
    weights = dict(routed.most_common(1)[0][0]) if routed else dict(given or {})
    served = Counter(s.colour for s in samples if s.colour and 200 <= s.status < 300)
    headed = [s for s in samples if s.header is not None]
    header_served = Counter(s.colour for s in headed if s.colour and 200 <= s.status < 300)
    answered = [s.latency_ms for s in samples if s.status]
    return StageReport(
        name=name,
        weights=weights,
        requests=len(samples),
        served=dict(sorted(served.items())),
        non_2xx=sum(1 for s in samples if s.status and not 200 <= s.status < 300),
        connection_errors=sum(1 for s in samples if s.status == 0),
        errors=sum(1 for s in samples if not s.ok),
        p50_ms=round(_percentile(answered, 50), 3),
        p99_ms=round(_percentile(answered, 99), 3),
        header_requests=len(headed),
        header_served=dict(sorted(header_served.items())),
    )


def summarise(samples: Iterable[Sample]) -> list[StageReport]:
    """One report per stage, in the order the stages first appear."""
    stages: dict[str, list[Sample]] = defaultdict(list)
    for sample in sorted(samples, key=lambda s: s.started):
        stages[sample.stage].append(sample)
    return [_report(name, group) for name, group in stages.items()]


def share_problems(samples: Iterable[Sample], confidence: float = 0.999) -> list[str]:
    """Where the colours served disagree with the weights that routed the requests.

    Requests without `X-Colour` are grouped by their exact weights (route header, else the
    stage's); in each group every colour's count must lie in its binomial interval at
    `confidence` (weight 0: none, all the weight: all). Requests with `X-Colour` must all be
    served by that colour. Requests without an answer or known weights are not counted here.
    """
    groups: dict[tuple[tuple[str, int], ...], list[Sample]] = defaultdict(list)
    problems = []
    wrong: Counter[tuple[str, str, str]] = Counter()
    for s in samples:
        if not s.ok or s.colour is None:
            continue
        if s.header is not None:
            if s.colour != s.header:
                wrong[(s.stage, s.header, s.colour)] += 1
        elif s.applied is not None:
            groups[tuple(sorted(s.applied.items()))].append(s)
    for (stage, sent, got), count in wrong.items():
        problems.append(f"stage {stage!r}: {count} requests with X-Colour: {sent} served by {got}")
    for key, group in groups.items():
        weights, total = dict(key), sum(w for _, w in key)
        seen = Counter(s.colour or "" for s in group)
        stages = ", ".join(dict.fromkeys(s.stage for s in group))
        for colour in sorted(set(weights) | set(seen)):
            p = weights.get(colour, 0) / total if total else 0.0
            lo, hi = binomial_interval(len(group), p, confidence)
            if not lo <= seen[colour] <= hi:
                problems.append(
                    f"weights {_weights(weights)} (stage {stages}): {colour} served "
                    f"{seen[colour]} of {len(group)}, expected {lo}..{hi} "
                    f"at {confidence:.1%} confidence"
                )
    return problems


def failed(samples: Iterable[Sample], examples: int = 3) -> list[str]:
    """Every request without a good answer, counted per stage, status and kind, with examples."""
    bad: dict[tuple[str, int, str], list[Sample]] = defaultdict(list)
    for s in sorted(samples, key=lambda s: s.started):
        if not s.ok:
            bad[(s.stage, s.status, s.error or "")].append(s)
    lines = []
    for (stage, status, kind), group in bad.items():
        what = f"status {status}" if status else "connection error"
        lines.append(
            f"stage {stage!r}: {len(group)} x {what}{f' ({kind})' if kind else ''}; e.g. "
            + ", ".join(
                f"t={s.started:.2f}s{f' X-Colour: {s.header}' if s.header else ''}"
                for s in group[:examples]
            )
        )
    return lines


def report_document(samples: Sequence[Sample], *, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON report: per-stage and total counts, every problem, then `meta`."""
    clash = {"stages", "total", "problems"} & set(meta)
    if clash:
        raise ValueError(f"report meta may not set {sorted(clash)}")
    total = asdict(_report("total", samples))
    del total["name"], total["weights"]
    return {
        "stages": [asdict(r) for r in summarise(samples)],
        "total": total,
        "problems": share_problems(samples) + failed(samples),
        **meta,
    }


def write_report(path: Path, document: Mapping[str, Any]) -> None:
    """Write the report as JSON, atomically."""
    write_atomically(path, json.dumps(document, indent=2, sort_keys=False) + "\n")


def table(stages: Sequence[StageReport]) -> str:
    """The stage reports as a fixed-width text table."""
    colours = sorted({c for r in stages for c in (*r.weights, *r.served)})
    header = ("stage", "weights", "requests", *colours, "errors", "p50 ms", "p99 ms")
    rows = [header] + [
        (
            r.name,
            _weights(r.weights) or "-",
            str(r.requests),
            *(str(r.served.get(c, 0)) for c in colours),
            str(r.errors),
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
        )
        for r in stages
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def _weights(weights: Mapping[str, int]) -> str:
    return "/".join(f"{c}={w}" for c, w in sorted(weights.items()))


def plot(path: Path, samples: Sequence[Sample], stages: Sequence[StageReport]) -> None:
    """Per colour over time: the applied weight (steps) and the share served (rolling window of
    header-less answers); failed requests as red markers (gid "errors"); stage boundaries
    labelled. SVG or PNG by suffix; the same samples give the same bytes."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ordered = sorted(samples, key=lambda s: s.started)
    plain = [s for s in ordered if s.header is None and s.ok and s.colour]
    colours = sorted({c for r in stages for c in r.weights} | {s.colour or "" for s in plain})
    window = max(10, min(200, len(plain) // 20))
    every = max(1, len(plain) // 2000)  # a few thousand points per line keep the SVG small
    # No dates in the metadata and a fixed hash salt: the same samples give the same file.
    with rc_context({"svg.hashsalt": "harness-traffic", "svg.fonttype": "none"}):
        figure = Figure(figsize=(10, 4.5))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        for colour in filter(None, colours):
            tint = {"blue": "tab:blue", "green": "tab:green"}.get(colour)
            times = [s.started for s in plain]
            applied = [(s.applied or {}).get(colour, 0) for s in plain]
            turns = [
                i for i, w in enumerate(applied) if i in (0, len(plain) - 1) or w != applied[i - 1]
            ]
            axes.step(
                [times[i] for i in turns], [applied[i] for i in turns], where="post", color=tint,
                label=f"{colour} weight",
            )  # fmt: skip
            rolling, hits = [], 0
            for i, s in enumerate(plain):
                hits += s.colour == colour
                if i >= window:
                    hits -= plain[i - window].colour == colour
                rolling.append(100.0 * hits / min(i + 1, window))
            axes.plot(
                times[::every], rolling[::every], color=tint, alpha=0.6, ls=":",
                label=f"{colour} served",
            )  # fmt: skip
        bad = [s.started for s in ordered if not s.ok]
        (marks,) = axes.plot(bad, [-5.0] * len(bad), "x", color="red", label="failed request")
        marks.set_gid("errors")
        for report in stages:
            began = next((s.started for s in ordered if s.stage == report.name), None)
            if began is not None:
                axes.axvline(began, color="grey", lw=0.8, ls="--")
                axes.text(began, 104, report.name, rotation=30, fontsize=7, gid="stage")
        axes.set(xlabel="seconds since the load started", ylabel="% of requests", ylim=(-10, 102))
        axes.legend(loc="center right", fontsize=7)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, metadata={"Date": None} if path.suffix.lower() == ".svg" else {})
