"""`#checkov:skip=<check id>:<reason>` comments: the one pattern, and where they are in a tree.

checkov reads these comments in Terraform itself; the harness reads the same comments in Packer
sources (harness.policy.packer) and the policy suite lists them all to demand a reason for each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.paths import REPO_ROOT, skipped

SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([A-Za-z0-9_]+)(?::(.*))?")
# Files that can carry a suppression: Terraform (.tf) and Packer (.pkr.hcl) sources.
SUFFIXES = (".tf", ".hcl")


@dataclass(frozen=True)
class Suppression:
    """One skip comment: the check it silences, why, and where it is written."""

    file: str
    line: int
    check: str
    reason: str

    @property
    def where(self) -> str:
        """`file:line`."""
        return f"{self.file}:{self.line}"


def skip_in(text: str) -> tuple[str, str] | None:
    """(check id, reason) of the skip comment on one line of HCL, or None; the reason may be ""."""
    match = SKIP_COMMENT.search(text)
    if not match:
        return None
    return match.group(1), (match.group(2) or "").strip()


def suppressions_in(tops: Iterable[Path]) -> list[Suppression]:
    """Every skip comment in the .tf and .hcl files under `tops` (tool caches left out).

    Files inside the repository are named relative to its root.
    """
    found = []
    for top in tops:
        for path in sorted(top.rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file() or skipped(path, top):
                continue
            name = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                skip = skip_in(text)
                if skip:
                    found.append(Suppression(str(name), number, *skip))
    return found
