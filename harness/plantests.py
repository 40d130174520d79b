"""Credential-free plan tests: `terraform test` (mocked AWS provider) in each root and module.

Each directory of the template with a `tests/` folder of `*.tftest.hcl` files is initialised
without a backend (offline, through the same plugin cache and mirror as every terraform run of
the harness) and tested on a private copy of the template. `coverage_problems` holds the
template to one rule: every `validation` block has a run that expects its variable to fail.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from harness import checkcache
from harness.errors import TerraformError
from harness.hcl import Block, config_dirs, load_dir, load_file
from harness.paths import TEMPLATE_DIR
from harness.roots import ROOTS
from harness.terraform import Runner, plugin_mirror, provider_reachable
from harness.validate import validate_inputs

TESTS_DIR = "tests"  # terraform test's default test directory inside a root or module
TEST_GLOB = "*.tftest.hcl"
# The mocked provider's data (tests name it with `mock_provider "aws" { source = ... }`).
MOCKS_DIR = "testing"
LOCK_FILE = ".terraform.lock.hcl"


@dataclass(frozen=True)
class PlanTestResult:
    """One directory's `terraform test`: passed or not, terraform's output, seconds taken."""

    relative: str
    passed: bool
    output: str
    seconds: float
    cached: bool = False  # a pass answered by harness.checkcache, terraform not run


def dirs_with_tests(template: Path = TEMPLATE_DIR) -> list[str]:
    """Roots and modules (relative to `template`) with `tests/*.tftest.hcl` files."""
    return [
        str(d.relative_to(template))
        for d in config_dirs(template)
        if any((d / TESTS_DIR).glob(TEST_GLOB))
    ]


def tftest_files(directory: Path) -> list[Path]:
    """The `.tftest.hcl` files terraform test runs for `directory`, sorted."""
    return sorted((directory / TESTS_DIR).glob(TEST_GLOB))


def runs(directory: Path) -> list[Block]:
    """Every `run` block of the directory's test files."""
    return [b for f in tftest_files(directory) for b in load_file(f) if b.kind == "run"]


def expected_failures(run: Block) -> list[str]:
    """What a run's `expect_failures` names, bare (`var.colours`, not `${var.colours}`)."""
    return [
        str(e).removeprefix("${").removesuffix("}") for e in run.body.get("expect_failures", [])
    ]


def coverage_problems(directory: Path) -> list[str]:
    """Validations of `directory` without enough negative runs, and no run with good values.

    A variable with n validation blocks needs n runs expecting `var.<name>` to fail (one bad
    value per rule); any validation needs a run that expects nothing to fail.
    """
    variables = [v for v in load_dir(directory, ("*.tf",)).variables if v.validations]
    if not variables:
        return []
    found = runs(directory)
    expecting = Counter(name for run in found for name in expected_failures(run))
    problems = [
        f"{v.file}:{v.line}: var.{v.name} has {len(v.validations)} validation block(s) but "
        f"{expecting[f'var.{v.name}']} run(s) in {directory / TESTS_DIR} expect it to fail"
        for v in variables
        if expecting[f"var.{v.name}"] < len(v.validations)
    ]
    if not any(not expected_failures(run) for run in found):
        problems.append(
            f"{directory / TESTS_DIR}: no run with good values (one without expect_failures)"
        )
    return problems


def run_one(relative: str, workdir: Path) -> PlanTestResult:
    """`init -backend=false` and `terraform test` of `relative` in the template copy `workdir`.

    The result depends only on the directory's files (its tests among them), the modules it
    calls, the mocks under testing/, the lock file and the terraform version: what a result
    cache keys on.
    """
    started = time.monotonic()
    try:
        lend_lock_file(workdir / relative, workdir)
        runner = Runner.for_root(relative, workdir=workdir)
        runner.init(backend=False)
        result = runner.command("test", "-no-color", check=False)
    except TerraformError as error:
        return PlanTestResult(relative, False, f"{error}\n{error.output}", _since(started))
    output = result.stdout + result.stderr
    return PlanTestResult(relative, result.returncode == 0, output, _since(started))


def plan_test_inputs(workdir: Path, relative: str) -> checkcache.Inputs | None:
    """What decides `terraform test` of `relative` in the copy `workdir`: what decides its
    `validate` (its files, tests included, the local modules it calls, the lock file or the
    mirror, the terraform version), plus the mocks under testing/ and this module's code."""
    inputs = validate_inputs(workdir, relative)
    if inputs is None:
        return None
    inputs.kind = "terraform-test"
    inputs.add_files(checkcache.files_under(workdir / MOCKS_DIR), workdir)
    inputs.add_code([Path(__file__)])
    return inputs


def cached_run(relative: str, workdir: Path) -> PlanTestResult:
    """`run_one`, or the stored pass when nothing that decides the result has changed.

    Only passes are stored: a failure always runs again and shows terraform's output.
    """
    lend_lock_file(workdir / relative, workdir)  # before the key: the lock file is an input
    result, hit = checkcache.cached(
        lambda: plan_test_inputs(workdir, relative),
        lambda: run_one(relative, workdir),
        keep=lambda result: result.passed,
        encode=lambda result: {"passed": True, "output": result.output, "seconds": result.seconds},
        decode=lambda entry: PlanTestResult(
            relative, bool(entry["passed"]), str(entry["output"]), float(entry["seconds"])
        ),
        recheck=False,  # init writes into the copy (.terraform)
    )
    if hit:
        return PlanTestResult(relative, result.passed, result.output, 0.0, cached=True)
    return result


def lend_lock_file(directory: Path, workdir: Path) -> None:
    """Give a module (which has no lock file) the roots' lock file, in the template copy.

    Without a lock file `init` installs the provider from the mirror into the shared plugin
    cache again, replacing the files that other directories' `terraform test` are reading
    ("no package for registry.terraform.io/hashicorp/aws ... cached in .terraform/providers");
    with the roots' lock (same `hashicorp/aws` pin) it links the cached copy and writes nothing.
    """
    if (directory / LOCK_FILE).is_file():
        return
    lock = next(
        (workdir / r.path / LOCK_FILE for r in ROOTS if (workdir / r.path / LOCK_FILE).is_file()),
        None,
    )
    if lock is not None:
        shutil.copyfile(lock, directory / LOCK_FILE)


def run_all(
    dirs: list[str],
    workdir: Path,
    jobs: int = 2,
    progress: Callable[[PlanTestResult], None] | None = None,
    run: Callable[[str, Path], PlanTestResult] = run_one,
) -> dict[str, PlanTestResult]:
    """`run` (default `run_one`) for each directory, `jobs` at a time, most runs first.

    Every run loads the AWS provider schema (about a second and a half of CPU), so a
    directory's time grows with its runs; starting the longest first keeps both cores busy.
    `cached_run` answers unchanged directories from the check cache.
    """

    def one(relative: str) -> PlanTestResult:
        result = run(relative, workdir)
        if progress is not None:
            progress(result)
        return result

    ordered = sorted(dirs, key=lambda d: -len(runs(workdir / d)))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = dict(zip(ordered, pool.map(one, ordered), strict=True))
    return {d: results[d] for d in dirs}


def _since(started: float) -> float:
    return round(time.monotonic() - started, 1)


def validation_blocks(directory: Path) -> list[tuple[str, int]]:
    """(variable, index) of every `validation` block of `directory`, in file order."""
    return [
        (v.name, index)
        for v in load_dir(directory, ("*.tf",)).variables
        for index in range(len(v.validations))
    ]


def without_validation(text: str, variable: str, index: int) -> str:
    """`text` (a variables file in `terraform fmt` layout) with one validation block removed.

    The `index`-th `validation {` of `variable "<variable>"`, through its closing brace at the
    same indentation; ValueError when there is no such block.
    """
    lines = text.splitlines(keepends=True)
    header = next(
        (i for i, line in enumerate(lines) if line.startswith(f'variable "{variable}"')), None
    )
    if header is None:
        raise ValueError(f'no variable "{variable}"')
    starts = []
    for i in range(header + 1, len(lines)):
        if lines[i].startswith("}"):
            break
        if lines[i].startswith("  validation {"):
            starts.append(i)
    if index >= len(starts):
        raise ValueError(
            f'variable "{variable}" has {len(starts)} validation block(s), not {index + 1}'
        )
    start = starts[index]
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  }"))
    # The blank line before the block goes with it, so the file stays fmt-clean.
    if start > 0 and not lines[start - 1].strip():
        start -= 1
    return "".join(lines[:start] + lines[end + 1 :])


def weaken(copy: Path, relative: str, variable: str, index: int) -> Path:
    """Remove one validation block of `variable` in the template copy; the file changed."""
    found = [v for v in load_dir(copy / relative, ("*.tf",)).variables if v.name == variable]
    if not found:
        raise ValueError(f"{copy / relative}: no variable {variable}")
    path = found[0].file
    path.write_text(without_validation(path.read_text(), variable, index))
    return path


def skip_reason() -> str | None:
    """Why `terraform test` cannot run here (no binary; no mirror and no registry), or None."""
    if not shutil.which("terraform"):
        return "terraform binary not on PATH"
    if plugin_mirror() is None and not provider_reachable():
        return (
            "no provider mirror (TF_PLUGIN_MIRROR or terraform's usual plugin directories) and "
            "registry.terraform.io unreachable: set TF_PLUGIN_MIRROR to a mirror holding "
            "hashicorp/aws 5.100"
        )
    return None
