"""The one `#checkov:skip` pattern: what counts as a suppression, and where each one is."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.policy.suppressions import skip_in, suppressions_in

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "  #checkov:skip=CKV_AWS_145:ALB logs need SSE-S3",
            ("CKV_AWS_145", "ALB logs need SSE-S3"),
        ),
        ("# checkov:skip=CKV2_AWS_62", ("CKV2_AWS_62", "")),
        (
            'bucket = "x" # checkov:skip=HARNESS_PKR_IMDS_TOKENS: why ',
            ("HARNESS_PKR_IMDS_TOKENS", "why"),
        ),
        ("# checkov says nothing here", None),
    ],
)
def test_policy_skip_comment_is_read(text: str, expected: tuple[str, str] | None) -> None:
    assert skip_in(text) == expected


def test_policy_suppressions_name_file_line_and_reason(tmp_path: Path) -> None:
    """.tf and .hcl files are read, tool caches are not; each suppression says where it is."""
    (tmp_path / "main.tf").write_text('resource "x" "y" {\n  #checkov:skip=CKV_AWS_1:reason\n}\n')
    (tmp_path / "api.pkr.hcl").write_text("# checkov:skip=HARNESS_PKR_IMDS_TOKENS\n")
    (tmp_path / "notes.md").write_text("#checkov:skip=CKV_AWS_2:not HCL\n")
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform" / "cached.tf").write_text("#checkov:skip=CKV_AWS_3:cache\n")
    found = suppressions_in([tmp_path])
    assert [(s.where, s.check, s.reason) for s in found] == [
        (f"{tmp_path / 'api.pkr.hcl'}:1", "HARNESS_PKR_IMDS_TOKENS", ""),
        (f"{tmp_path / 'main.tf'}:2", "CKV_AWS_1", "reason"),
    ]
