"""The blue/green release state machine: deploy, promote, rollback, retire, status.

Terraform owns every weight, version and capacity: the machine computes the next
`colours` value and hands it to a Platform, which writes the tfvars JSON and applies.
The machine itself only reads (target health) between steps.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from harness.errors import ReleaseError
from harness.stages import Progress, poll_until

if TYPE_CHECKING:
    pass

COLOURS = ("blue", "green")
DEFAULT_STEPS = (10, 50, 100)


@dataclass(frozen=True)
class Colour:
    """One colour as terraform sees it: the version it runs, its capacity and traffic weight."""

    version: str
    capacity: int
    weight: int


@dataclass(frozen=True)
class Release:
    """Both colours, and the colour the current release moves traffic to (if one is under way)."""

    colours: dict[str, Colour]
    candidate: str | None = None

    def __post_init__(self) -> None:
        if set(self.colours) != set(COLOURS):
            raise ReleaseError(f"colours must be exactly {COLOURS}, got {sorted(self.colours)}")
        total = sum(c.weight for c in self.colours.values())
        if total != 100:
            raise ReleaseError(f"colour weights must sum to 100, got {total}: {self.colours}")

    @property
    def live(self) -> str:
        """The colour carrying most traffic (blue on a tie)."""
        return max(COLOURS, key=lambda c: (self.colours[c].weight, c == "blue"))

    @property
    def idle(self) -> str:
        """The other colour."""
        return other(self.live)

    def with_colour(self, name: str, **changes: int | str) -> Release:
        """A copy with one colour changed."""
        colours = dict(self.colours)
        colours[name] = replace(colours[name], **changes)  # type: ignore[arg-type]
        return Release(colours=colours, candidate=self.candidate)

    def with_weight(self, name: str, weight: int) -> Release:
        """A copy where `name` gets `weight` and the other colour the rest of 100."""
        colours = dict(self.colours)
        colours[name] = replace(colours[name], weight=weight)
        colours[other(name)] = replace(colours[other(name)], weight=100 - weight)
        return Release(colours=colours, candidate=self.candidate)

    def to_json(self) -> dict[str, object]:
        """The terraform `colours` value plus the candidate (for the state file)."""
        return {
            "colours": {n: asdict(c) for n, c in self.colours.items()},
            "candidate": self.candidate,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Release:
        """Read what `to_json` wrote."""
        colours = data["colours"]
        assert isinstance(colours, dict)
        candidate = data.get("candidate")
        return cls(
            colours={n: Colour(**c) for n, c in colours.items()},
            candidate=candidate if isinstance(candidate, str) else None,
        )


def other(colour: str) -> str:
    """blue <-> green."""
    return "green" if colour == "blue" else "blue"


@dataclass(frozen=True)
class Health:
    """Target health of one colour's target group: how many are healthy, and every state seen."""

    healthy: int
    states: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """`2 healthy, 1 unhealthy` (or `no targets`)."""
        if not self.states:
            return "no targets registered"
        return ", ".join(f"{n} {s}" for s, n in sorted(self.states.items()))

    @classmethod
    def from_states(cls, states: list[str]) -> Health:
        """Count a list of target states."""
        counts = Counter(states)
        return cls(healthy=counts.get("healthy", 0), states=dict(counts))


class Platform(Protocol):
    """Where a release runs: terraform + AWS in production, a fake in unit tests."""

    @property
    def name(self) -> str:
        """What the platform releases to (named in messages)."""
        ...

    def read(self) -> Release:
        """The release terraform last applied."""
        ...

    def apply(self, release: Release, step: str = "") -> None:
        """Write the tfvars JSON for `release` and apply it (terraform owns the change); `step`
        names the step for whoever finds it interrupted."""
        ...

    def health(self, colour: str) -> Health:
        """Target health of the colour's target group, read from the load balancer."""
        ...


@dataclass(frozen=True)
class ColourStatus:
    """One row of `status`."""

    colour: str
    live: bool
    version: str
    capacity: int
    weight: int
    healthy: int
    health: str


def minimum_healthy(colour: Colour) -> int:
    """Healthy targets a colour needs while it carries weight: its whole capacity (at least 1)."""
    return max(colour.capacity, 1)


def check_invariant(platform: Platform, release: Release) -> dict[str, Health]:
    """Every colour carrying weight has at least its minimum of healthy targets; raise if not."""
    seen = {}
    for name, colour in release.colours.items():
        if colour.weight == 0:
            continue
        health = platform.health(name)
        seen[name] = health
        if health.healthy < minimum_healthy(colour):
            raise ReleaseError(
                f"invariant broken in {platform.name}: {name} carries {colour.weight}% of traffic "
                f"but has {health.healthy}/{minimum_healthy(colour)} healthy targets "
                f"({health.describe()})"
            )
    return seen


def wait_until_healthy(
    platform: Platform,
    colour: str,
    wanted: int,
    timeout: float,
    interval: float,
    progress: Progress,
) -> Health:
    """Poll the colour's target health until `wanted` targets are healthy or `timeout` passes."""
    health, _ = poll_until(
        lambda: platform.health(colour),
        lambda h: h.healthy >= wanted,
        lambda h: f"{colour}: {h.healthy}/{wanted} healthy ({h.describe()})",
        timeout,
        interval,
        progress,
    )
    return health


@dataclass
class ReleaseTool:
    """The release operations over a platform, with progress lines and the invariant checked."""

    platform: Platform
    progress: Progress = print
    timeout: float = 300.0
    interval: float = 5.0

    def _read(self) -> Release:
        """What is applied; where a record disagrees with it, say so: the tool goes on from what
        is applied, one step at a time, never from what a record claims."""
        release = self.platform.read()
        for problem in getattr(self.platform, "disagreements", lambda _: [])(release):
            self.progress(f"note: {problem}; going on from what is live")
        return release

    def _apply(self, release: Release, what: str) -> Release:
        self.progress(f"{what}: applying {_weights(release)}")
        self.platform.apply(release, what)
        seen = check_invariant(self.platform, release)
        self.progress(
            f"{what}: invariant holds ("
            + (", ".join(f"{c} {h.healthy} healthy" for c, h in seen.items()) or "no weight")
            + ")"
        )
        return release

    def deploy(self, version: str, capacity: int | None = None) -> Release:
        """Idle colour <- version, capacity; wait until healthy; traffic untouched on failure."""
        current = self._read()
        if all(c.weight > 0 for c in current.colours.values()):
            raise ReleaseError(
                f"{self.platform.name}: a release is half-way ({_weights(current)}); "
                "promote or roll back before deploying"
            )
        live, idle = current.live, current.idle
        wanted = current.colours[live].capacity if capacity is None else capacity
        if wanted < 1:
            raise ReleaseError(f"deploy {version}: capacity must be at least 1, got {wanted}")
        running = current.colours[idle]
        if running.capacity > 0 and running.version != version:
            # A launch template change does not replace running instances: empty the idle
            # colour first so every instance of the new version starts from the new image.
            current = replace(current.with_colour(idle, capacity=0), candidate=None)
            self._apply(current, f"empty {idle} (was {running.version} x{running.capacity})")
        release = replace(
            current.with_colour(idle, version=version, capacity=wanted, weight=0), candidate=idle
        )
        self._apply(release, f"deploy {version} to {idle}")
        health = wait_until_healthy(
            self.platform, idle, wanted, self.timeout, self.interval, self.progress
        )
        if health.healthy < wanted:
            raise ReleaseError(
                f"deploy {version} to {idle} failed in {self.platform.name}: {health.healthy}/"
                f"{wanted} targets healthy after {self.timeout:.0f}s (seen: {health.describe()}); "
                f"traffic untouched: {live} keeps {current.colours[live].weight}%"
            )
        self.progress(f"deploy {version} to {idle}: {wanted}/{wanted} healthy")
        return release

    def promote(self, steps: tuple[int, ...] = DEFAULT_STEPS) -> Release:
        """Shift weight to the candidate colour step by step, checking its health before each."""
        release = self._read()
        target = release.candidate or release.idle
        if release.colours[target].capacity < 1:
            raise ReleaseError(f"promote: {target} has no capacity; deploy a version to it first")
        if sorted(steps) != list(steps) or not steps or steps[-1] > 100 or steps[0] < 1:
            raise ReleaseError(f"promote: steps must rise within 1..100, got {steps}")
        for step in steps:
            if release.colours[target].weight >= step:
                continue
            health = self.platform.health(target)
            need = minimum_healthy(release.colours[target])
            if health.healthy < need:
                raise ReleaseError(
                    f"promote stopped before {step}%: {target} has {health.healthy}/{need} "
                    f"healthy targets ({health.describe()}); traffic stays at {_weights(release)}"
                )
            release = release.with_weight(target, step)
            self._apply(release, f"promote {target} to {step}%")
        return release

    def rollback(self) -> Release:
        """Move all weight back to the previous colour, if it still has capacity and health."""
        release = self._read()
        previous = other(release.candidate) if release.candidate else release.idle
        colour = release.colours[previous]
        if colour.capacity < 1:
            raise ReleaseError(
                f"rollback refused: {previous} ({colour.version}) was retired (capacity 0); "
                f"deploy {colour.version} again instead"
            )
        health = self.platform.health(previous)
        if health.healthy < minimum_healthy(colour):
            raise ReleaseError(
                f"rollback refused: {previous} has {health.healthy}/{minimum_healthy(colour)} "
                f"healthy targets ({health.describe()})"
            )
        release = release.with_weight(previous, 100)
        return self._apply(release, f"rollback to {previous}")

    def retire(self) -> Release:
        """Scale the colour carrying no traffic to 0 and close the release."""
        release = self._read()
        idle = release.idle
        if release.colours[idle].weight > 0:
            raise ReleaseError(
                f"retire refused: {idle} still carries {release.colours[idle].weight}% "
                "(promote to 100 or roll back first)"
            )
        release = replace(release.with_colour(idle, capacity=0), candidate=None)
        return self._apply(release, f"retire {idle}")

    def status(self) -> list[ColourStatus]:
        """Live colour, versions, capacities, weights and healthy counts."""
        release = self.platform.read()
        rows = []
        for name in COLOURS:
            colour = release.colours[name]
            health = self.platform.health(name)
            rows.append(
                ColourStatus(
                    colour=name,
                    live=name == release.live,
                    version=colour.version,
                    capacity=colour.capacity,
                    weight=colour.weight,
                    healthy=health.healthy,
                    health=health.describe(),
                )
            )
        return rows


def _weights(release: Release) -> str:
    return " / ".join(f"{n} {c.weight}%" for n, c in release.colours.items())


def status_table(rows: list[ColourStatus]) -> str:
    """`status` as an aligned text table."""
    header = ("colour", "live", "version", "capacity", "weight", "healthy", "targets")
    lines = [header] + [
        (
            r.colour,
            "*" if r.live else "",
            r.version,
            str(r.capacity),
            f"{r.weight}%",
            str(r.healthy),
            r.health,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def status_json(rows: list[ColourStatus]) -> str:
    """`status --json`."""
    return json.dumps([asdict(r) for r in rows], indent=2)
