"""The release state machine over a fake platform: every step, refusal and the invariant."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.bluegreen import (
    Colour,
    Health,
    Release,
    ReleaseTool,
    status_json,
    status_table,
)
from harness.errors import ReleaseError, ReleaseLocked
from harness.locks import release_lock

pytestmark = pytest.mark.unit


@dataclass
class FakePlatform:
    """Applies instantly; a colour's targets are healthy unless its version is marked broken."""

    release: Release
    broken_versions: set[str] = field(default_factory=set)
    applied: list[Release] = field(default_factory=list)
    name: str = "fake"

    def read(self) -> Release:
        return self.release

    def apply(self, release: Release, step: str = "") -> None:
        self.release = release
        self.applied.append(release)

    def health(self, colour: str) -> Health:
        c = self.release.colours[colour]
        state = "unhealthy" if c.version in self.broken_versions else "healthy"
        return Health.from_states([state] * c.capacity)


def blue_live(capacity: int = 2) -> Release:
    return Release(
        colours={
            "blue": Colour(version="v1.0.0", capacity=capacity, weight=100),
            "green": Colour(version="v1.0.0", capacity=0, weight=0),
        }
    )


def tool(platform: FakePlatform) -> ReleaseTool:
    return ReleaseTool(platform, progress=lambda _: None, timeout=0.2, interval=0.05)


def test_release_rejects_weights_not_summing_to_100() -> None:
    with pytest.raises(ReleaseError, match="sum to 100"):
        Release(colours={"blue": Colour("v1.0.0", 1, 60), "green": Colour("v1.0.0", 1, 60)})


def test_deploy_gives_idle_colour_version_and_capacity() -> None:
    platform = FakePlatform(blue_live())
    release = tool(platform).deploy("v2.0.0")
    assert release.colours["green"] == Colour("v2.0.0", 2, 0)
    assert release.colours["blue"].weight == 100
    assert release.candidate == "green"


def test_deploy_unhealthy_leaves_traffic_and_names_colour() -> None:
    platform = FakePlatform(blue_live(), broken_versions={"v2.0.0"})
    with pytest.raises(
        ReleaseError, match=r"green.*0/2 targets healthy.*2 unhealthy.*blue keeps 100%"
    ):
        tool(platform).deploy("v2.0.0")
    assert platform.release.colours["blue"].weight == 100
    assert all(r.colours["green"].weight == 0 for r in platform.applied)


def test_deploy_empties_idle_colour_running_another_version_first() -> None:
    platform = FakePlatform(blue_live(), broken_versions={"v2.0.0"})
    t = tool(platform)
    with pytest.raises(ReleaseError):
        t.deploy("v2.0.0")
    platform.applied.clear()
    t.deploy("v2.0.1")
    assert [r.colours["green"].capacity for r in platform.applied] == [0, 2]
    assert platform.release.colours["green"].version == "v2.0.1"


def test_deploy_refused_half_way_through_a_release() -> None:
    platform = FakePlatform(blue_live())
    t = tool(platform)
    t.deploy("v2.0.0")
    t.promote((50,))
    with pytest.raises(ReleaseError, match="half-way"):
        t.deploy("v3.0.0")


def test_promote_moves_weight_in_steps() -> None:
    platform = FakePlatform(blue_live())
    t = tool(platform)
    t.deploy("v2.0.0")
    t.promote((10, 50, 100))
    weights = [r.colours["green"].weight for r in platform.applied[1:]]
    assert weights == [10, 50, 100]
    assert platform.release.live == "green"


def test_promote_stops_when_candidate_unhealthy() -> None:
    platform = FakePlatform(blue_live())
    t = tool(platform)
    t.deploy("v2.0.0")
    platform.broken_versions.add("v2.0.0")
    with pytest.raises(ReleaseError, match="promote stopped before 10%"):
        t.promote()
    assert platform.release.colours["blue"].weight == 100


def test_rollback_returns_weight_to_previous_colour() -> None:
    platform = FakePlatform(blue_live())
    t = tool(platform)
    t.deploy("v2.0.0")
    t.promote((50, 100))
    release = t.rollback()
    assert (release.colours["blue"].weight, release.colours["green"].weight) == (100, 0)


def test_rollback_refused_after_retire() -> None:
    platform = FakePlatform(blue_live())
    t = tool(platform)
    t.deploy("v2.0.0")
    t.promote((100,))
    t.retire()
    with pytest.raises(ReleaseError, match=r"rollback refused: blue .* retired"):
        t.rollback()


def test_retire_scales_old_colour_to_zero() -> None:
    platform = FakePlatform(blue_live())
    t = tool(platform)
    t.deploy("v2.0.0")
    t.promote((100,))
    release = t.retire()
    assert release.colours["blue"].capacity == 0
    assert release.candidate is None


def test_retire_refused_while_both_carry_weight() -> None:
    platform = FakePlatform(blue_live())
    t = tool(platform)
    t.deploy("v2.0.0")
    t.promote((50,))
    with pytest.raises(ReleaseError, match="retire refused"):
        t.retire()


def test_invariant_broken_is_reported_after_apply() -> None:
    platform = FakePlatform(blue_live())
    t = tool(platform)
    t.deploy("v2.0.0")
    platform.broken_versions.add("v1.0.0")
    with pytest.raises(ReleaseError, match=r"invariant broken.*blue carries 90%"):
        t.promote((10,))


def test_status_table_and_json_show_both_colours() -> None:
    platform = FakePlatform(blue_live())
    rows = tool(platform).status()
    table = status_table(rows)
    assert table.splitlines()[0].split() == [
        "colour",
        "live",
        "version",
        "capacity",
        "weight",
        "healthy",
        "targets",
    ]
    assert table.splitlines()[1].split()[:2] == ["blue", "*"]
    assert '"colour": "green"' in status_json(rows)


def test_release_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    lock = tmp_path / "production.lock"
    errors: list[BaseException] = []
    with release_lock(lock, "production"):

        def second() -> None:
            try:
                with release_lock(lock, "production"):
                    pass
            except ReleaseLocked as error:
                errors.append(error)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert errors, "second lock holder was not refused"
    assert "another release of production is running" in str(errors[0])
