"""The load balancer, played by HAProxy: its configuration rendered from the listeners,
rules and target groups read through the AWS API, reloaded without dropping connections.

Each listener becomes a frontend on a loopback port of its own. Rules are evaluated in
priority order (conditions within a rule AND, values within a condition OR, `*` and `?`
wildcards, as on AWS); the first match picks the action: a weighted forward (one random
draw per request against the cumulative weights), a redirect or a fixed response. A backend
holds the healthy targets of its target group, each instance at its loopback port. Every
response carries `X-Harness-Route: <rule>;<colour>=<weight>,...` so a client can tell which
weights routed it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.dataplane.model import Condition, Listener, Rule, TargetGroup
from harness.errors import AccountError
from harness.process import signal_on_parent_death

ROUTE_HEADER = "X-Harness-Route"
PICK_RANGE = 10_000
# Seconds an old HAProxy worker may keep serving its in-flight requests after a reload.
HARD_STOP_AFTER = 30


@dataclass
class Rendered:
    """A configuration and what could not be expressed in it (fail closed: reported)."""

    text: str
    problems: list[str] = field(default_factory=list)


def _glob(value: str) -> str:
    """An AWS wildcard value (`*`, `?`) as an anchored regular expression."""
    return "^" + re.escape(value).replace(r"\*", ".*").replace(r"\?", ".") + "$"


def _quote(text: str) -> str:
    """A double-quoted HAProxy word: backslash, quote and `$` (variable expansion) escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{escaped}"'


def _regex(value: str) -> str:
    """An AWS wildcard value as a single-quoted, anchored regular expression (no expansion
    inside single quotes; a quote in the value is matched as \\x27)."""
    return "'" + _glob(value).replace("'", "\\x27") + "'"


def _acl(name: str, condition: Condition) -> list[str] | None:
    """ACL lines for one condition (one line per value: HAProxy ORs lines of one ACL)."""
    fetch = {
        "path-pattern": "path -m reg",
        "host-header": "hdr(host),field(1,:) -m reg -i",
        "http-header": f"req.hdr({condition.header}) -m reg -i",
    }.get(condition.field)
    if condition.field == "http-request-method":
        return [f"acl {name} method {' '.join(condition.values)}"]
    if fetch is None or (condition.field == "http-header" and not condition.header):
        return None
    return [f"acl {name} {fetch} {_regex(v)}" for v in condition.values]


def route_info(rule: Rule, groups: Mapping[str, TargetGroup]) -> str:
    """The X-Harness-Route value of a rule: its name and, for a forward, label=weight pairs."""
    if rule.action.type != "forward":
        return f"{rule.name};{rule.action.type}"
    pairs = ",".join(
        f"{groups[arn].label if arn in groups else arn}={weight}"
        for arn, weight in rule.action.forward
    )
    return f"{rule.name};{pairs}"


def render(
    listeners: tuple[Listener, ...],
    groups: Mapping[str, TargetGroup],
    healthy: Mapping[str, set[str]],
    ports: Mapping[str, int],
    frontends: Mapping[str, int],
    pems: Mapping[str, Path],
) -> Rendered:
    """The HAProxy configuration for the listeners; `frontends` maps a listener key to its
    loopback port, `pems` a certificate ARN to its certificate+key file."""
    out = Rendered(
        text="\n".join(
            [
                "global",
                "  maxconn 4096",
                f"  hard-stop-after {HARD_STOP_AFTER}s",
                "defaults",
                "  mode http",
                "  timeout connect 2s",
                "  timeout client 30s",
                "  timeout server 30s",
                "  timeout http-request 10s",
                "  retries 0",
                "",
            ]
        )
        + "\n"
    )
    backends = {arn: f"g{index}" for index, arn in enumerate(sorted(groups))}
    lines: list[str] = []
    for index, listener in enumerate(listeners):
        port = frontends.get(listener.key)
        if port is None:
            continue
        bind = f"  bind 127.0.0.1:{port}"
        if listener.protocol == "HTTPS":
            pem = pems.get(listener.certificate_arn)
            if pem is None:
                out.problems.append(
                    f"{listener.key}: no key for certificate {listener.certificate_arn}"
                )
                continue
            bind += f" ssl crt {_quote(str(pem))}"
        lines += [
            f"frontend f{index}",
            bind,
            f"  http-request set-var(txn.pick) rand({PICK_RANGE})",
        ]
        lines += _rules(listener, groups, backends, frontends, out.problems)
        lines.append("")
    for arn, name in backends.items():
        lines += [f"backend {name}", "  balance roundrobin"]
        for instance in sorted(healthy.get(arn, set())):
            if instance in ports:
                lines.append(f"  server {instance} 127.0.0.1:{ports[instance]}")
        lines.append("")
    out.text += "\n".join(lines) + "\n"
    return out


def _rules(
    listener: Listener,
    groups: Mapping[str, TargetGroup],
    backends: Mapping[str, str],
    frontends: Mapping[str, int],
    problems: list[str],
) -> list[str]:
    """The frontend body: route selection, then each route's action and response header."""
    lines: list[str] = []
    actions: list[str] = []
    for number, rule in enumerate(listener.rules):
        route = f"r{number}"
        names: list[str] = []
        usable = True
        for position, condition in enumerate(rule.conditions):
            acl = _acl(f"{route}c{position}", condition)
            if acl is None:
                problems.append(
                    f"{listener.key} rule {rule.name}: condition {condition.field} is not "
                    "emulated; the rule never matches"
                )
                usable = False
                break
            lines += [f"  {line}" for line in acl]
            names.append(f"{route}c{position}")
        if not usable:
            continue
        lines.append(
            f"  http-request set-var(txn.route) str({route}) if !{{ var(txn.route) -m found }} "
            + " ".join(names)
        )
        is_route = f"{{ var(txn.route) -m str {route} }}"
        info = route_info(rule, groups)
        actions.append(f"  http-response set-header {ROUTE_HEADER} {_quote(info)} if {is_route}")
        actions += _action(rule, is_route, backends, listener, frontends, problems)
    return (
        lines
        + [a for a in actions if a.lstrip().startswith("http-")]
        + [a for a in actions if a.lstrip().startswith("use_backend")]
    )


def _action(
    rule: Rule,
    is_route: str,
    backends: Mapping[str, str],
    listener: Listener,
    frontends: Mapping[str, int],
    problems: list[str],
) -> list[str]:
    action = rule.action
    if action.type == "forward":
        live = [(arn, weight) for arn, weight in action.forward if weight > 0]
        total = sum(weight for _, weight in live)
        if not live:
            return [f"  http-request return status 503 if {is_route}"]
        lines, cumulative = [], 0
        for position, (arn, weight) in enumerate(live):
            cumulative += weight
            backend = backends.get(arn)
            if backend is None:
                problems.append(f"{listener.key} rule {rule.name}: no target group {arn}")
                return [f"  http-request return status 503 if {is_route}"]
            if position == len(live) - 1:
                lines.append(f"  use_backend {backend} if {is_route}")
            else:
                limit = round(cumulative * PICK_RANGE / total)
                lines.append(
                    f"  use_backend {backend} if {is_route} {{ var(txn.pick) -m int lt {limit} }}"
                )
        return lines
    if action.type == "redirect":
        config = action.redirect
        protocol = str(config.get("Protocol", "#{protocol}")).lower()
        port = str(config.get("Port", "#{port}"))
        if port == "#{port}":
            port = str(listener.port)
        local = frontends.get(f"{listener.load_balancer}:{port}")
        if local is None or protocol.startswith("#"):
            problems.append(f"{listener.key} rule {rule.name}: redirect to {protocol}:{port}")
            return [f"  http-request return status 503 if {is_route}"]
        code = str(config.get("StatusCode", "HTTP_301")).removeprefix("HTTP_")
        location = f"{protocol}://%[req.hdr(host),field(1,:)]:{local}%[capture.req.uri]"
        return [f"  http-request redirect location {_quote(location)} code {code} if {is_route}"]
    if action.type == "fixed-response":
        config = action.fixed
        status = str(config.get("StatusCode", "503"))
        body = str(config.get("MessageBody", ""))
        kind = str(config.get("ContentType", "text/plain"))
        return [
            f"  http-request return status {status} content-type {_quote(kind)} "
            f"string {_quote(body)} if {is_route}"
        ]
    problems.append(f"{listener.key} rule {rule.name}: action {action.type} is not emulated")
    return [f"  http-request return status 503 if {is_route}"]


class Proxy:
    """One HAProxy master process; `apply` reloads it with a new configuration (SIGUSR2:
    new workers take the listening sockets, old ones finish their requests)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.config = directory / "haproxy.cfg"
        self.process: subprocess.Popen[bytes] | None = None
        self.current = ""
        self.reloads = 0

    def apply(self, text: str) -> bool:
        """Validate and load `text`; False (the old configuration kept) when it is invalid."""
        if text == self.current and self.process is not None:
            return True
        candidate = self.directory / "haproxy.cfg.new"
        candidate.write_text(text, encoding="utf-8")
        checked = subprocess.run(
            [haproxy_binary(), "-c", "-f", str(candidate)],
            capture_output=True,
            text=True,
            check=False,
        )
        if checked.returncode != 0:
            (self.directory / "haproxy.rejected.cfg").write_text(
                text + "\n# " + checked.stderr.replace("\n", "\n# "), encoding="utf-8"
            )
            return False
        candidate.replace(self.config)
        self.current = text
        if self.process is None or self.process.poll() is not None:
            self._start()
        else:
            self.process.send_signal(signal.SIGUSR2)
            self.reloads += 1
        return True

    def _start(self) -> None:
        log = (self.directory / "haproxy.log").open("ab")
        self.process = subprocess.Popen(
            [haproxy_binary(), "-W", "-db", "-f", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=signal_on_parent_death(signal.SIGTERM),
        )

    def stop(self) -> None:
        """Stop the master and its workers (their process group); idempotent."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self.process = None


def haproxy_binary() -> str:
    """HAProxy from the system packages (.ci/apt-packages.txt)."""
    for candidate in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise AccountError("haproxy not found: `make setup` installs it (.ci/apt-packages.txt)")
