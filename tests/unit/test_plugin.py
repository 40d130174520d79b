"""The pytest plugin as a product: loaded by its entry point, prefixed options, root fixtures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import REPO_ROOT
from harness.roots import ROOTS

pytestmark = pytest.mark.unit


def pytest_in(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in an empty directory: no conftest, so only the entry point can load the plugin."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_plugin_loads_through_its_entry_point_with_prefixed_options(tmp_path: Path) -> None:
    result = pytest_in(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    for option in ("--harness-account", "--harness-keep", "--harness-run-id", "--harness-attach"):
        assert option in result.stdout
    assert "--account=" not in result.stdout


def test_plugin_offers_one_fixture_per_root(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    result = pytest_in(tmp_path, "--fixtures", "test_x.py")
    names = {line.split()[0] for line in result.stdout.splitlines() if line and line[0] != " "}
    expected = {f"{r.name}_root" for r in ROOTS} | {"terraform_root", "account", "stack"}
    assert expected <= names, sorted(names)


@pytest.mark.parametrize("option", ["--harness-run-id", "--harness-attach"])
def test_plugin_rejects_an_unsafe_run_id(tmp_path: Path, option: str) -> None:
    result = pytest_in(tmp_path, f"{option}=../../x")
    assert result.returncode == 4  # pytest's usage error
    assert f"{option}: run id '../../x'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_plugin_attach_names_the_missing_run(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(stack):\n    pass\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--harness-attach=nosuch"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"HARNESS_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 4  # pytest's usage error, before any test runs
    assert "--harness-attach=nosuch: no kept run" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_plugin_readme_example_is_the_file_the_suite_runs() -> None:
    """The README's "Testing your own module" example and test_own_module.py stay one text."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Testing your own module", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    test_file = (REPO_ROOT / "tests/integration/test_own_module.py").read_text(encoding="utf-8")
    body = test_file.split('"""', 2)[2].lstrip("\n")
    assert body == example
    assert len([line for line in example.splitlines() if line.strip()]) <= 12


GROUPED_TESTS = """
import os
import pytest

pytestmark = pytest.mark.integration


@pytest.mark.account_group("stack")
def test_a(run_id):
    with open(os.environ["GROUP_LOG"], "a") as log:
        log.write(f"stack {os.environ.get('PYTEST_XDIST_WORKER', '-')} {run_id}\\n")


@pytest.mark.account_group("stack")
def test_b(run_id):
    with open(os.environ["GROUP_LOG"], "a") as log:
        log.write(f"stack {os.environ.get('PYTEST_XDIST_WORKER', '-')} {run_id}\\n")


def test_c(run_id):
    with open(os.environ["GROUP_LOG"], "a") as log:
        log.write(f"alone {os.environ.get('PYTEST_XDIST_WORKER', '-')} {run_id}\\n")
"""


def grouped_pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest over a module with an explicit group and a default (module) group."""
    (tmp_path / "test_alone.py").write_text(GROUPED_TESTS)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={
            "GROUP_LOG": str(tmp_path / "groups.log"),
            "HARNESS_CACHE": str(tmp_path / "cache"),
            "PATH": "/usr/bin:/bin",
        },
    )


def test_plugin_lists_the_account_groups(tmp_path: Path) -> None:
    """A mark names a group; a test without one is in its module's group."""
    result = grouped_pytest(tmp_path, "--collect-only", "--harness-list-groups", "groups.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "groups.json").read_text() == '["alone", "stack"]\n'


def test_plugin_runs_one_group_alone(tmp_path: Path) -> None:
    result = grouped_pytest(tmp_path, "--harness-group", "stack")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 1 deselected" in result.stdout
    groups = [line.split()[0] for line in (tmp_path / "groups.log").read_text().splitlines()]
    assert groups == ["stack", "stack"]


def test_plugin_names_the_groups_when_one_is_unknown(tmp_path: Path) -> None:
    result = grouped_pytest(tmp_path, "--harness-group", "nosuch")
    assert result.returncode == 4  # pytest's usage error
    assert "--harness-group=nosuch: no such group (groups: alone, stack)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_plugin_keeps_a_group_on_one_worker_with_its_own_run_id(tmp_path: Path) -> None:
    """Under xdist every group runs whole on one worker; workers never share a run id."""
    result = grouped_pytest(tmp_path, "-n", "2", "--dist", "loadgroup", "--harness-run-id", "ci7")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line.split() for line in (tmp_path / "groups.log").read_text().splitlines()]
    workers = {group: {worker for g, worker, _ in lines if g == group} for group, _, _ in lines}
    assert {group: len(names) for group, names in workers.items()} == {"stack": 1, "alone": 1}
    for _, worker, run_id in lines:
        assert run_id == f"ci7-{worker}"


def test_plugin_refuses_a_run_id_too_long_for_its_workers() -> None:
    """Names keep 12 characters of a run id: a suffix cut off would make workers collide."""
    from harness.pytest_plugin import worker_run_id

    assert worker_run_id("ci7", "gw1") == "ci7-gw1"
    assert worker_run_id("abcdefgh", "gw1") == "abcdefgh-gw1"
    with pytest.raises(pytest.UsageError, match="give at most 8 characters"):
        worker_run_id("abcdefghi", "gw1")


def test_plugin_attach_refuses_several_workers(tmp_path: Path) -> None:
    run = tmp_path / "cache" / "runs" / "kept1"
    run.mkdir(parents=True)
    (run / "run.json").write_text("{}")
    result = grouped_pytest(tmp_path, "-n", "2", "--harness-attach", "kept1")
    assert result.returncode == 4
    assert "--harness-attach=kept1: a kept run is one account" in result.stderr
