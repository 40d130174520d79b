"""Shims are found by listing the package, each names its gap, uses the helper and has a check."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import REPO_ROOT
from harness.shims import SHIM_MODULES, all_shims, discover, load

pytestmark = pytest.mark.unit

SHIM_DIR = REPO_ROOT / "harness" / "shims"
CHECKS_FILE = REPO_ROOT / "tests" / "integration" / "test_moto_shims.py"


def check_functions(path: Path) -> set[str]:
    """The shim names that `check_<name>` functions in `path` are for."""
    tree = ast.parse(path.read_text())
    return {
        node.name.removeprefix("check_")
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")
    }


def test_shims_are_discovered_from_the_package() -> None:
    """Every public module in harness/shims is a shim, in alphabetical order; nothing else is."""
    files = sorted(p.stem for p in SHIM_DIR.glob("*.py") if not p.stem.startswith("_"))
    assert list(SHIM_MODULES) == files == list(discover())
    with pytest.raises(KeyError, match="unknown moto shim"):
        load("no_such_shim")


def test_shims_every_shim_has_a_check() -> None:
    """Each shim has `check_<name>` in tests/integration/test_moto_shims.py, and only shims do."""
    checks = check_functions(CHECKS_FILE)
    assert set(SHIM_MODULES) - checks == set(), "shims without a check_<name>"
    assert checks - set(SHIM_MODULES) == set(), "check_<name> functions without a shim"


def test_shims_name_their_gap() -> None:
    """The first docstring line of each apply() names the gap, starting with "moto "."""
    for shim in all_shims():
        assert shim.gap.startswith("moto "), f"{shim.name}: docstring names no gap"


@pytest.mark.parametrize("name", SHIM_MODULES)
def test_shims_change_moto_only_through_the_helper(name: str) -> None:
    """No shim marks or assigns moto attributes by hand: `patch`/`define` do that, once."""
    source = (SHIM_DIR / f"{name}.py").read_text()
    assert "from harness.shims._patch import" in source, name
    assert "_harness_shim" not in source, f"{name}: marks by hand instead of using _patch"


def test_shims_apply_to_this_moto_without_conflict() -> None:
    """Every shim applies to the installed moto (twice: idempotent) and no two share a target."""
    script = (
        "from harness import shims\n"
        "shims.apply()\n"
        "shims.apply()\n"
        "print('applied', len(shims.SHIM_MODULES))\n"
    )
    result = subprocess.run(  # a child: the test process's moto stays unshimmed
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"applied {len(SHIM_MODULES)}"
