"""Every structural rule fails on its broken fixture (the unit suite tests itself)."""

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
        ("all_protocols", rules.all_protocol_rules, "opens every protocol"),
        ("imds_optional", rules.imds_optional, "http_tokens"),
        ("unprotected_bucket", rules.unprotected_buckets, "has no server-side encryption"),
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


def test_unprotected_bucket_passes_the_check_it_has() -> None:
    problems = rules.unprotected_buckets(load_dir(FIXTURES / "unprotected_bucket"))
    assert not any("public access block" in p for p in problems)
