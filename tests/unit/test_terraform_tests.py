"""Credential-free plan tests: `terraform test` with a mocked AWS provider, per root and module.

Each directory's tests/*.tftest.hcl prove its variable validations reject bad values (one run
per rule, `expect_failures`) and accept good ones, and assert on its plan; no account, no
credentials. The guard below makes a new validation without a negative run fail the suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import plantests, terraform
from harness.hcl import config_dirs, load_dir
from harness.paths import TEMPLATE_DIR

pytestmark = pytest.mark.unit

TESTED = plantests.dirs_with_tests()
WITH_VALIDATIONS = [
    str(d.relative_to(TEMPLATE_DIR))
    for d in config_dirs(TEMPLATE_DIR)
    if any(v.validations for v in load_dir(d, ("*.tf",)).variables)
]
# The smallest module with a validation: the runner's own test removes it there.
PROBE = "modules/release"
PROBE_RUN = "kms_deletion_window_in_days_from_7_to_30"


@pytest.fixture(scope="module")
def plan_tests(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, plantests.PlanTestResult]:
    """`terraform test` of every selected directory, two at a time, in one template copy;
    a directory whose inputs passed before answers from the check cache."""
    reason = plantests.skip_reason()
    if reason:
        pytest.skip(reason)
    selected = sorted(
        {
            item.callspec.params["relative"]
            for item in request.session.items
            if getattr(item, "originalname", "") == "test_terraform_tests_pass"
            and hasattr(item, "callspec")
        }
    )
    copy = terraform.copy_template(into=tmp_path_factory.mktemp("plan-tests"))
    return plantests.run_all(selected or TESTED, copy, jobs=2, run=plantests.cached_run)


def test_every_directory_with_validations_has_tests() -> None:
    assert set(WITH_VALIDATIONS) <= set(TESTED), sorted(set(WITH_VALIDATIONS) - set(TESTED))


@pytest.mark.parametrize("relative", TESTED)
def test_terraform_tests_pass(
    plan_tests: dict[str, plantests.PlanTestResult], relative: str
) -> None:
    result = plan_tests[relative]
    assert result.passed, f"terraform test failed in terraform/{relative}:\n{result.output}"


@pytest.mark.parametrize("relative", WITH_VALIDATIONS)
def test_terraform_tests_cover_every_validation(relative: str) -> None:
    assert plantests.coverage_problems(TEMPLATE_DIR / relative) == []


def test_coverage_counts_runs_per_validation_block(tmp_path: Path) -> None:
    """Two rules on one variable need two negative runs; a good-value run is required too."""
    (tmp_path / "variables.tf").write_text(
        'variable "size" {\n  type = number\n  description = "x"\n'
        '  validation {\n    condition = var.size >= 1\n    error_message = "a"\n  }\n'
        '  validation {\n    condition = var.size <= 9\n    error_message = "b"\n  }\n}\n'
    )
    (tmp_path / "tests").mkdir()
    test_file = tmp_path / "tests" / "validations.tftest.hcl"
    bad = (
        'run "{name}" {{\n  variables {{\n    size = {value}\n  }}\n'
        "  expect_failures = [var.size]\n}}\n"
    )
    test_file.write_text(bad.format(name="too_small", value=0))
    problems = plantests.coverage_problems(tmp_path)
    assert any("var.size has 2 validation block(s) but 1 run(s)" in p for p in problems), problems
    assert any("no run with good values" in p for p in problems), problems
    test_file.write_text(
        bad.format(name="too_small", value=0)
        + bad.format(name="too_big", value=10)
        + 'run "good" {\n  variables {\n    size = 5\n  }\n}\n'
    )
    assert plantests.coverage_problems(tmp_path) == []


def test_terraform_tests_fail_when_a_validation_is_removed(tmp_path: Path) -> None:
    """The runner reports a failure: without its validation, a bad value no longer fails."""
    reason = plantests.skip_reason()
    if reason:
        pytest.skip(reason)
    copy = terraform.copy_template(into=tmp_path)
    plantests.weaken(copy, PROBE, "kms_deletion_window_in_days", 0)
    result = plantests.run_one(PROBE, copy)
    assert not result.passed, result.output
    assert f'run "{PROBE_RUN}"... fail' in result.output, result.output


def test_without_validation_removes_only_that_block() -> None:
    text = (
        'variable "size" {\n  type = number\n\n  validation {\n    condition = var.size >= 1\n'
        '  }\n\n  validation {\n    condition = var.size <= 9\n  }\n}\n\nvariable "other" {\n}\n'
    )
    assert plantests.without_validation(text, "size", 1) == (
        'variable "size" {\n  type = number\n\n  validation {\n    condition = var.size >= 1\n'
        '  }\n}\n\nvariable "other" {\n}\n'
    )
    assert "var.size >= 1" not in plantests.without_validation(text, "size", 0)
    with pytest.raises(ValueError, match="has 2 validation block"):
        plantests.without_validation(text, "size", 2)
    with pytest.raises(ValueError, match='no variable "missing"'):
        plantests.without_validation(text, "missing", 0)


def test_module_borrows_the_roots_lock_file(tmp_path: Path) -> None:
    """A module's init then links the cached provider instead of reinstalling it."""
    (tmp_path / "bootstrap").mkdir()
    (tmp_path / "bootstrap" / plantests.LOCK_FILE).write_text("# roots' lock\n")
    module = tmp_path / "modules" / "x"
    module.mkdir(parents=True)
    plantests.lend_lock_file(module, tmp_path)
    assert (module / plantests.LOCK_FILE).read_text() == "# roots' lock\n"
    (module / plantests.LOCK_FILE).write_text("# its own\n")
    plantests.lend_lock_file(module, tmp_path)
    assert (module / plantests.LOCK_FILE).read_text() == "# its own\n"


def test_plan_test_results_are_cached_by_their_inputs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A pass answers again until a test, a mock or a module file changes; a failure never."""
    reason = plantests.skip_reason()
    if reason:
        pytest.skip(reason)
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("HARNESS_CHECK_CACHE", raising=False)
    calls: list[str] = []

    def fake_run(relative: str, workdir: Path) -> plantests.PlanTestResult:
        calls.append(relative)
        return plantests.PlanTestResult(relative, relative != "modules/state", "output", 1.0)

    monkeypatch.setattr(plantests, "run_one", fake_run)
    copy = terraform.copy_template(into=tmp_path)
    assert not plantests.cached_run(PROBE, copy).cached
    again = plantests.cached_run(PROBE, copy)
    assert (again.cached, again.passed, again.output, len(calls)) == (True, True, "output", 1)
    for changed in (
        copy / PROBE / "tests" / "validations.tftest.hcl",
        copy / plantests.MOCKS_DIR / "aws" / "aws.tfmock.hcl",
        copy / "modules" / "bucket" / "main.tf",  # a module the probe calls
    ):
        changed.write_text(changed.read_text() + "\n# changed\n")
        assert not plantests.cached_run(PROBE, copy).cached, changed
    assert len(calls) == 4
    plantests.cached_run("modules/state", copy)
    assert not plantests.cached_run("modules/state", copy).cached
