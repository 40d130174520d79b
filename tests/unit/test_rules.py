"""Every style and structure rule fails on its broken fixture (the unit suite tests itself).

Security rules are the policy catalogue's; their known-bad fixtures are under
tests/policy/fixtures/bad/<ID>/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import rules
from harness.errors import HclError
from harness.hcl import load_dir

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures"


def test_malformed_hcl_names_file_and_line() -> None:
    with pytest.raises(HclError, match=r"malformed/main\.tf:\d+: cannot parse HCL"):
        load_dir(FIXTURES / "malformed")


@pytest.mark.parametrize(
    ("fixture", "rule", "expected"),
    [
        ("untyped_variable", rules.untyped_or_undescribed_variables, "'size' has no description"),
        ("untyped_variable", rules.untyped_or_undescribed_variables, "'name' has no type"),
        ("bad_module_source", rules.unresolved_module_sources, "holds no .tf files"),
        ("unsorted", rules.unsorted_blocks, "outputs are not sorted"),
        ("bad_pin", rules.provider_pin_problems, "expected '~> 5.100'"),
        ("bad_pin", rules.provider_pin_problems, "expected '>= 1.11'"),
        ("no_backend_lock", rules.backend_problems, "has no locking"),
        ("no_backend_lock", rules.backend_problems, "encrypt = true"),
    ],
)
def test_rule_fails_on_broken_fixture(fixture: str, rule: rules.Rule, expected: str) -> None:
    problems = rule(load_dir(FIXTURES / fixture))
    assert any(expected in p for p in problems), problems
    assert all(str(FIXTURES / fixture) in p for p in problems), "problems must name the file"
