"""The load: requests at a fixed rate through a listener, each answer one Sample.

Where the data plane's proxy adds `X-Harness-Route: <rule>;blue=90,green=10`, each answer
names the weights that routed it; on AWS the header is absent and the weights a stage was
given (what terraform applied) stand.
"""

from __future__ import annotations

import http.client
import json
import math
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

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
