"""The benchmark as tests (slow: minutes): the 5,000-resource tree scans to completion, not
far from plain checkov's time. `python -m harness.policy.bench` prints the full comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.policy.bench import RESOURCES, plain_checkov, single_file_tree, split_tree, this_tool

# Only `slow`: `-m policy` (make test-policy, tox -e policy) leaves it out; `-m slow` runs it.
pytestmark = pytest.mark.slow
# The goal, 1.2x plain checkov: measured 1.06x (one file) and 1.09x (100 files) for 5,000
# resources on the shared 2-core machine (README; 1.40x and 1.47x before --compact).
RATIO_LIMIT = 1.2


@pytest.mark.parametrize("layout", ["single", "split"])
def test_policy_bench_5000_resources_scan_to_completion(tmp_path: Path, layout: str) -> None:
    """5,000 resources (one ~5 MB file, or 100 files): the harness finishes with a verdict
    (exit 0 or 1, never a timeout, a crash or a file given up on) in at most RATIO_LIMIT times
    plain checkov's time with the same built-in checks."""
    tree = single_file_tree(tmp_path) if layout == "single" else split_tree(tmp_path)
    plain = plain_checkov(tree)
    ours = this_tool(tree)
    assert plain.resources == RESOURCES
    assert ours.exit_code in (0, 1)
    assert ours.seconds <= RATIO_LIMIT * plain.seconds, (ours.seconds, plain.seconds)
