"""The account groups' scheduler logic: the workers' maps, merged, and each test's scope."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.groups import read_group_maps, scope_of

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
