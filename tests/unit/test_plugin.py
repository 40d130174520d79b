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
