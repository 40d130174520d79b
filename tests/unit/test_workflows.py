"""The GitHub workflows: schema-valid, clean under zizmor, and shaped as the README promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.paths import REPO_ROOT

pytestmark = pytest.mark.unit

REPO = REPO_ROOT
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
INSECURE = Path(__file__).parent / "fixtures" / "workflows" / "insecure.yml"
BIN = Path(sys.executable).parent


def _tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    binary = BIN / name
    if not binary.exists():
        pytest.fail(f"{binary} is missing: `make setup` installs it from requirements/main.lock")
    return subprocess.run([str(binary), *args], capture_output=True, text=True, check=False)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / ".github" / "workflows" / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def test_workflows_exist() -> None:
    assert {w.name for w in WORKFLOWS} >= {"ci.yml", "integration.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(workflow: Path) -> None:
    result = _tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_clean_under_zizmor(workflow: Path) -> None:
    result = _tool("zizmor", "--offline", "--no-progress", str(workflow))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_flags_an_insecure_workflow() -> None:
    result = _tool("zizmor", "--offline", "--no-progress", str(INSECURE))
    assert result.returncode != 0
    assert "unpinned-uses" in result.stdout
    assert "template-injection" in result.stdout


def test_ci_runs_every_suite_and_uploads_sarif() -> None:
    steps = _load("ci.yml")["jobs"]["test"]["steps"]
    runs = " ".join(str(s.get("run", "")) for s in steps)
    for env in ("lint", "unit", "policy", "integration", "image"):
        assert env in runs, f"ci.yml does not run tox -e {env}"
    uses = [str(s.get("uses", "")) for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


def test_integration_is_scheduled_oidc_serialised_and_always_tears_down() -> None:
    workflow = _load("integration.yml")
    assert "schedule" in workflow["on"]
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    job = workflow["jobs"]["integration"]
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    steps = job["steps"]
    assert any("configure-aws-credentials" in str(s.get("uses", "")) for s in steps)
    assert not any("aws-access-key-id" in str(s.get("with", {})) for s in steps), "no stored keys"
    teardown = [s for s in steps if "sweep" in str(s.get("run", "")) and "--run-id" in s["run"]]
    assert teardown, "no teardown step"
    assert teardown[0].get("if") == "${{ always() }}"
