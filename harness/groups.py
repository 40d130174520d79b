"""Account groups of the integration suite, and their pytest-xdist scheduler.

A group is the set of tests that share one account (moto server, data plane, chain of roots):
`@pytest.mark.account_group(name)`, by default the test module's name. Under
`pytest -n N --dist loadgroup` each group runs whole on one worker.

xdist's own loadgroup mode finds a test's group in a suffix its workers append to the node id;
pytest 9.2 no longer lets a plugin change a node id, so that mode silently spreads a group over
every worker (pytest-xdist issue 1386). The harness schedules groups itself instead: each
worker writes the groups it collected to a file the controller named, and the scheduler reads
them when every worker has collected, before it hands out any test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

GROUP_MARK = "account_group"
# The workerinput key that carries the directory of the group maps to every worker.
MAP_DIR_KEY = "harness_group_maps"
# Seconds each group took on its own worker (tests/integration/durations.json): the scheduler
# hands out the longest first, so one long group never starts last and runs alone.
DURATIONS_FILE = Path("tests/integration/durations.json")
# A group the file does not know counts as this many seconds per test.
UNKNOWN_SECONDS_PER_TEST = 20.0


def account_group(item: pytest.Item) -> str | None:
    """The account group of an integration test: its mark, else its module's name."""
    mark = item.get_closest_marker(GROUP_MARK)
    if mark is not None:
        if len(mark.args) != 1 or not isinstance(mark.args[0], str) or not mark.args[0]:
            raise pytest.UsageError(f"{item.nodeid}: {GROUP_MARK} takes one name, e.g. 'stack'")
        return str(mark.args[0])
    if item.get_closest_marker("integration") is None:
        return None
    return item.path.stem.removeprefix("test_").replace("_", "-")


def write_group_map(directory: Path, worker: str, items: Iterable[pytest.Item]) -> None:
    """This worker's node id -> group map, written whole (temporary file, then rename)."""
    groups = {item.nodeid: name for item in items if (name := account_group(item))}
    target = directory / f"{worker}.json"
    partial = directory / f".{worker}.json.partial"
    partial.write_text(json.dumps(groups), encoding="utf-8")
    os.replace(partial, target)


def read_group_maps(directory: Path) -> dict[str, str]:
    """Every worker's map, merged: a test two workers place in different groups is an error."""
    merged: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        for nodeid, name in json.loads(path.read_text(encoding="utf-8")).items():
            if merged.setdefault(nodeid, name) != name:
                raise pytest.UsageError(f"{nodeid}: workers disagree on its account group")
    return merged


def read_durations(path: Path) -> dict[str, float]:
    """The recorded seconds per group; none when the file is missing (every group unknown)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise pytest.UsageError(f"{path}: not a JSON object of group seconds ({error})") from None
    if not isinstance(data, dict) or not all(isinstance(v, (int, float)) for v in data.values()):
        raise pytest.UsageError(f"{path}: not a JSON object of group seconds")
    return {str(k): float(v) for k, v in data.items()}


def longest_first(units: dict[str, dict[str, bool]], seconds: dict[str, float]) -> list[str]:
    """Scopes ordered by expected time, longest first (ties: the order given)."""

    def expected(scope: str) -> float:
        group = scope.removeprefix("group:") if scope.startswith("group:") else None
        if group is not None and group in seconds:
            return seconds[group]
        return UNKNOWN_SECONDS_PER_TEST * len(units[scope])

    return sorted(units, key=expected, reverse=True)


def scope_of(nodeid: str, groups: dict[str, str]) -> str:
    """A test's scheduling scope: its group, or the test alone when it has none."""
    group = groups.get(nodeid)
    return f"group:{group}" if group else nodeid


class GroupScheduling(LoadScopeScheduling):
    """xdist's scope scheduling with the account group as the scope of every test.

    A test without a group (a unit test run under xdist) is a scope of its own, so it is
    scheduled as freely as with `--dist load`.
    """

    def __init__(self, config: pytest.Config, directory: Path, log: Any = None) -> None:
        super().__init__(config, log)
        self._directory = directory
        self._groups: dict[str, str] | None = None
        self._seconds = read_durations(config.rootpath / DURATIONS_FILE)
        self._ordered = False

    def _assign_work_unit(self, node: Any) -> None:
        if not self._ordered:  # the queue is complete when the first unit is handed out
            for scope in longest_first(self.workqueue, self._seconds):
                self.workqueue.move_to_end(scope)
            self._ordered = True
        super()._assign_work_unit(node)

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:
            self._groups = read_group_maps(self._directory)
        return scope_of(nodeid, self._groups)
