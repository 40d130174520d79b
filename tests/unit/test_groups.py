"""The account groups' scheduler logic: the workers' maps, merged, and each test's scope."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.groups import (
    DURATIONS_FILE,
    longest_first,
    read_durations,
    read_group_maps,
    scope_of,
)
from harness.paths import REPO_ROOT

pytestmark = pytest.mark.unit


def test_groups_maps_of_every_worker_merge(tmp_path: Path) -> None:
    (tmp_path / "gw0.json").write_text(json.dumps({"a.py::t1": "stack", "b.py::t2": "alone"}))
    (tmp_path / "gw1.json").write_text(json.dumps({"a.py::t1": "stack", "c.py::t3": "other"}))
    (tmp_path / ".gw2.json.partial").write_text("{not json")  # a write in progress is not read
    assert read_group_maps(tmp_path) == {
        "a.py::t1": "stack",
        "b.py::t2": "alone",
        "c.py::t3": "other",
    }


def test_groups_workers_that_disagree_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "gw0.json").write_text(json.dumps({"a.py::t1": "stack"}))
    (tmp_path / "gw1.json").write_text(json.dumps({"a.py::t1": "other"}))
    with pytest.raises(pytest.UsageError, match=r"a\.py::t1: workers disagree"):
        read_group_maps(tmp_path)


def test_groups_scope_is_the_group_and_a_test_without_one_is_alone() -> None:
    groups = {"a.py::t1": "stack", "b.py::t2": "stack", "c.py::t3": "alone"}
    scopes = [scope_of(n, groups) for n in ("a.py::t1", "b.py::t2", "c.py::t3", "d.py::t")]
    assert scopes == ["group:stack", "group:stack", "group:alone", "d.py::t"]


def test_groups_longest_first_unknown_by_test_count() -> None:
    units = {
        "group:short": {"a": False},
        "group:long": {"b": False},
        "group:new": {"c": False, "d": False, "e": False},  # unknown: 3 tests x 20 s
        "x.py::alone": {"x.py::alone": False},  # no group: 20 s
    }
    seconds = {"short": 10.0, "long": 500.0}
    assert longest_first(units, seconds) == [
        "group:long",
        "group:new",
        "x.py::alone",
        "group:short",
    ]


def test_groups_durations_file_errors_name_the_file(tmp_path: Path) -> None:
    assert read_durations(tmp_path / "missing.json") == {}
    broken = tmp_path / "durations.json"
    broken.write_text('{"a": "slow"}')
    with pytest.raises(pytest.UsageError, match=r"durations\.json: not a JSON object"):
        read_durations(broken)


def test_groups_durations_file_lists_every_group_of_the_suite(tmp_path: Path) -> None:
    """tests/integration/durations.json names exactly the suite's groups (a new group gets its
    measured time there; a removed one leaves)."""
    listed = tmp_path / "groups.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/integration",
            "-m",
            "integration and not aws",
            "--collect-only",
            "-qq",
            "-p",
            "no:cacheprovider",
            "--harness-list-groups",
            str(listed),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    durations = read_durations(REPO_ROOT / DURATIONS_FILE)
    assert sorted(durations) == json.loads(listed.read_text())
