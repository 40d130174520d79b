"""The ExUnit formatter (.ci/exunit_junit.exs) writes JUnit XML the report reads like pytest's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.paths import REPO_ROOT
from harness.report import read_junit

pytestmark = pytest.mark.unit

FORMATTER = REPO_ROOT / ".ci" / "exunit_junit.exs"
EXTRA = """
defmodule ExtraTest do
  use ExUnit.Case

  test "fails on <markup> & \\"quotes\\"" do
    assert "a\\x01<b>" == "c"
  end

  @tag :skip
  test "is skipped" do
    assert true
  end
end
"""


def test_exunit_junit_counts_passed_failed_and_skipped(tmp_path: Path) -> None:
    if shutil.which("mix") is None:
        pytest.skip("mix is missing: .ci/install-system-packages installs Debian's elixir")
    app = tmp_path / "app"
    shutil.copytree(REPO_ROOT / "app", app, ignore=shutil.ignore_patterns("_build", "deps"))
    (app / "test" / "extra_test.exs").write_text(EXTRA)
    report = tmp_path / "reports" / "app.xml"
    env = {**os.environ, "HEX_OFFLINE": "1", "MIX_ENV": "test", "EXUNIT_JUNIT": str(report)}
    command = ["elixir", "-r", str(FORMATTER), "-S", "mix", "test", "--formatter", "ExUnitJUnit"]
    result = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0, "the failing test must fail the run"
    suite = read_junit(report)
    assert (suite.passed, suite.failed, suite.skipped) == (7, 1, 1), result.stdout + result.stderr
    names = [name for _, name in suite.slowest]
    assert 'ExtraTest::test fails on <markup> & "quotes"' in names
