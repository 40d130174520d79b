"""Each validation is needed: removing any one block fails a run of its directory's tests.

`expect_failures` names a variable, not one of its rules, so this proves that each rule of a
variable with several has a bad value that breaks it alone. One `terraform test` per
validation block (minutes): `slow` only, left out of the unit suite; `-m slow` runs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import plantests, terraform
from harness.hcl import config_dirs, load_dir
from harness.paths import TEMPLATE_DIR

pytestmark = pytest.mark.slow

WITH_VALIDATIONS = [
    str(d.relative_to(TEMPLATE_DIR))
    for d in config_dirs(TEMPLATE_DIR)
    if any(v.validations for v in load_dir(d, ("*.tf",)).variables)
]

EVERY_VALIDATION = [
    pytest.param(relative, variable, index, id=f"{relative}:{variable}[{index}]")
    for relative in WITH_VALIDATIONS
    for variable, index in plantests.validation_blocks(TEMPLATE_DIR / relative)
]


@pytest.mark.parametrize(("relative", "variable", "index"), EVERY_VALIDATION)
def test_each_validation_is_needed_by_its_negative_run(
    tmp_path: Path, relative: str, variable: str, index: int
) -> None:
    """Removing any one validation block fails a run expecting its variable to fail.

    expect_failures names the variable, not the rule: this proves each rule of a variable
    with several has a bad value that breaks it alone (minutes: one terraform test each).
    """
    reason = plantests.skip_reason()
    if reason:
        pytest.skip(reason)
    copy = terraform.copy_template(into=tmp_path)
    plantests.weaken(copy, relative, variable, index)
    result = plantests.run_one(relative, copy)
    expecting = [
        run.name
        for run in plantests.runs(copy / relative)
        if f"var.{variable}" in plantests.expected_failures(run)
    ]
    assert not result.passed, f"{relative}: var.{variable} rule {index} removed, tests still pass"
    failed = [name for name in expecting if f'run "{name}"... fail' in result.output]
    assert failed, result.output
