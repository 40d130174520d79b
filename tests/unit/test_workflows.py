"""The GitHub workflows: schema-valid, clean under zizmor, and shaped as the README promises."""

from __future__ import annotations

import configparser
import re
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


CI = _load("ci.yml")
JOBS: dict[str, dict[str, Any]] = CI["jobs"]
# The jobs that run tests and so must report; `groups` only lists, `summary` only merges.
TEST_JOBS = ("gate", "integration", "image", "app")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _steps(job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = JOBS[job]["steps"]
    return steps


def _runs(job: str) -> str:
    return "\n".join(str(s.get("run", "")) for s in _steps(job))


def _uses(job: str, action: str) -> list[dict[str, Any]]:
    return [s for s in _steps(job) if str(s.get("uses", "")).startswith(f"{action}@")]


def _needs(job: str) -> set[str]:
    needs = JOBS[job].get("needs", [])
    return {needs} if isinstance(needs, str) else set(needs)


def test_ci_gate_runs_lint_unit_policy_and_uploads_sarif() -> None:
    assert "tox -e lint,unit,policy" in _runs("gate")
    assert _uses("gate", "github/codeql-action/upload-sarif")
    assert JOBS["gate"]["permissions"] == {"contents": "read", "security-events": "write"}


@pytest.mark.parametrize("job", ["integration", "image", "app"])
def test_ci_test_job_waits_for_the_gate(job: str) -> None:
    assert "gate" in _needs(job), f"{job} starts before lint, unit and policy passed"


def test_ci_integration_is_a_matrix_fed_by_make_integration_groups() -> None:
    groups = JOBS["groups"]
    listing = [s for s in groups["steps"] if "integration-groups" in str(s.get("run", ""))]
    assert listing, "the groups job does not run `make integration-groups`"
    assert "make " in listing[0]["run"]
    assert "GITHUB_OUTPUT" in listing[0]["run"]
    assert groups["outputs"]["groups"] == f"${{{{ steps.{listing[0]['id']}.outputs.groups }}}}"
    job = JOBS["integration"]
    assert {"gate", "groups"} <= _needs("integration")
    assert job["strategy"]["fail-fast"] is False
    assert job["strategy"]["matrix"] == {"group": "${{ fromJSON(needs.groups.outputs.groups) }}"}
    shard = [s for s in job["steps"] if "make test-integration" in str(s.get("run", ""))]
    assert shard, "the integration job does not run `make test-integration`"
    assert 'GROUP="$GROUP"' in shard[0]["run"]
    assert shard[0]["env"] == {"GROUP": "${{ matrix.group }}"}, "one group per runner"


@pytest.mark.parametrize(
    ("workflow", "job", "most"),
    [
        # A push job needing more than 30 minutes is a shard to split (goal: 8 on GitHub).
        *(("ci.yml", job, 30) for job in JOBS),
        *(("integration.yml", job, 180) for job in _load("integration.yml")["jobs"]),
    ],
)
def test_workflow_job_has_a_timeout(workflow: str, job: str, most: int) -> None:
    minutes = _load(workflow)["jobs"][job].get("timeout-minutes")
    assert isinstance(minutes, int), f"{workflow}: {job} has no timeout"
    assert 0 < minutes <= most, f"{workflow}: {job} may run {minutes} min"


@pytest.mark.parametrize("job", TEST_JOBS)
def test_ci_test_job_uploads_its_reports(job: str) -> None:
    uploads = _uses(job, "actions/upload-artifact")
    assert uploads, f"{job} uploads no reports"
    assert uploads[0]["if"] == "${{ !cancelled() }}", "failed runs must report too"
    assert uploads[0]["with"]["path"] == "reports/"
    assert str(uploads[0]["with"]["name"]).startswith("reports-")


def test_ci_report_artifact_names_are_unique_per_job_and_group() -> None:
    names = [str(_uses(job, "actions/upload-artifact")[0]["with"]["name"]) for job in TEST_JOBS]
    assert len(set(names)) == len(names)
    assert "${{ matrix.group }}" in names[TEST_JOBS.index("integration")]


def test_ci_summary_needs_every_job_and_merges_every_report() -> None:
    job = JOBS["summary"]
    assert job["if"] == "${{ !cancelled() }}", "the summary must run when a test job failed"
    assert _needs("summary") == set(JOBS) - {"summary"}
    downloads = _uses("summary", "actions/download-artifact")
    assert downloads, "the summary downloads no reports"
    assert downloads[0]["with"]["pattern"] == "reports-*"
    runs = _runs("summary")
    assert "tox -qq -e report" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    assert "--expect=integration-" in runs, "a missing shard would pass unnoticed"
    expect = [s for s in _steps("summary") if "--expect" in str(s.get("run", ""))]
    assert expect[0]["env"]["GROUPS_JSON"] == "${{ needs.groups.outputs.groups }}"


def test_ci_runs_the_app_exunit_tests() -> None:
    assert "tox -e app" in _runs("app")
    assert "if" not in JOBS["app"]
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini")
    commands = tox["testenv:app"]["commands"]
    assert " -S mix test " in commands
    assert "--formatter ExUnitJUnit" in commands, "the summary would miss the app's tests"
    set_env = dict(
        line.split("=", 1) for line in tox["testenv:app"]["set_env"].split("\n") if line.strip()
    )
    assert {k.strip(): v.strip() for k, v in set_env.items()} == {
        "HEX_OFFLINE": "1",
        "MIX_ENV": "test",
        "EXUNIT_JUNIT": "{tox_root}/reports/app.xml",
    }
    assert "--expect=app" in _runs("summary")
    packages = (REPO / ".ci" / "apt-packages.txt").read_text().split()
    assert {"elixir", "erlang-nox"} <= set(packages), "CI installs Elixir from Debian"
    assert "install-system-packages" in _runs("app")


@pytest.mark.parametrize("workflow", ["ci.yml", "integration.yml"])
def test_workflow_least_privilege_and_pinned(workflow: str) -> None:
    data = _load(workflow)
    assert data["permissions"] == {}
    for name, job in data["jobs"].items():
        granted = job["permissions"]
        assert granted.get("contents") == "read", name
        writes = {k for k, v in granted.items() if v == "write"}
        allowed = {
            ("ci.yml", "gate"): {"security-events"},
            ("integration.yml", "integration"): {"id-token"},
        }
        assert writes == allowed.get((workflow, name), set()), f"{workflow}: {name} writes {writes}"
        for step in job["steps"]:
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{workflow}: {name}: {step['uses']} not by SHA"
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_ci_one_run_per_ref() -> None:
    assert CI["concurrency"] == {"group": "ci-${{ github.ref }}", "cancel-in-progress": True}


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


INTEGRATION = _load("integration.yml")


def _mutation_steps() -> list[dict[str, Any]]:
    job = INTEGRATION["jobs"].get("mutation")
    assert job, "integration.yml has no mutation job: `python -m harness mutate` never runs"
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def test_integration_mutation_job_has_no_account() -> None:
    """The mutation job reads the repository only: no AWS role, no environment, no account
    settings (those are the integration job's alone)."""
    job = INTEGRATION["jobs"]["mutation"]
    assert job["permissions"] == {"contents": "read"}
    assert "environment" not in job
    assert not any("configure-aws-credentials" in str(s.get("uses", "")) for s in _mutation_steps())
    seen = {**INTEGRATION.get("env", {}), **job.get("env", {})}
    assert not {k for k in seen if k.startswith(("AWS_", "HARNESS_"))}, sorted(seen)


def test_integration_mutation_job_runs_the_catalogue_and_always_uploads_its_report() -> None:
    """`make setup`, then the whole catalogue with its JSON report under reports/, uploaded
    even when a mutant survived (the step fails, the report is what says which)."""
    steps = _mutation_steps()
    runs = [str(s.get("run", "")) for s in steps]
    setup = next(i for i, run in enumerate(runs) if "make setup" in run)
    mutate = next(i for i, run in enumerate(runs) if "-m harness mutate" in run)
    assert setup < mutate
    assert "--mutant" not in runs[mutate], "not the whole catalogue"
    assert "--area" not in runs[mutate], "not the whole catalogue"
    assert "--format json > reports/mutation.json" in runs[mutate]
    uploads = [
        i
        for i, s in enumerate(steps)
        if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    assert uploads, "the mutation report is not uploaded"
    upload = steps[uploads[0]]
    assert uploads[0] > mutate
    assert upload["if"] == "${{ always() }}"
    assert upload["with"]["path"] == "reports/mutation.json"


def test_mutation_runs_on_the_schedule_not_on_every_push() -> None:
    """Scheduled (and on demand) only: the push workflow does not run the catalogue."""
    assert set(INTEGRATION["on"]) == {"schedule", "workflow_dispatch"}
    push = (REPO / ".github" / "workflows" / "ci.yml").read_text()
    assert "harness mutate" not in push
    assert "make mutate" not in push
