"""IMDS-01/02 for Packer `amazon-ebs` sources, checked here rather than in checkov.

Checkov has no Packer framework and its terraform runner ignores `.pkr.hcl` files, so the
harness reads them with python-hcl2 (harness.hcl) and emits findings in the same shape as
checkov's, honouring the same `#checkov:skip=<id>:<reason>` comments inside the source block.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harness.errors import HclError
from harness.hcl import SKIP_DIRS, Block, load_file
from harness.policy.findings import Finding

BUILDERS = ("amazon-ebs", "amazon-ebssurrogate", "amazon-ebsvolume", "amazon-instance")
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([A-Za-z0-9_]+)(?::(.*))?")


def packer_files(target: Path) -> list[Path]:
    """Every `.pkr.hcl` file under `target` (or `target` itself), skipping tool caches."""
    if target.is_file():
        return [target] if target.name.endswith(".pkr.hcl") else []
    return sorted(
        f
        for f in target.rglob("*.pkr.hcl")
        if not any(part in SKIP_DIRS for part in f.relative_to(target).parts)
    )


def _source_problems(body: dict[str, Any]) -> dict[str, str]:
    """Failed check id -> message for one amazon-* source body."""
    options = body.get("metadata_options") or []
    option = options[0] if isinstance(options, list) and options else {}
    if not isinstance(option, dict):
        option = {}
    problems = {}
    if str(option.get("http_tokens", "")).strip('"') != "required":
        problems["HARNESS_PKR_IMDS_TOKENS"] = (
            'Packer build instance requires IMDSv2: metadata_options.http_tokens must be "required"'
        )
    if str(option.get("http_put_response_hop_limit", "")) != "1":
        problems["HARNESS_PKR_IMDS_HOP_LIMIT"] = (
            "Packer build instance hop limit: "
            "metadata_options.http_put_response_hop_limit must be 1"
        )
    return problems


def _skips(lines: list[str], start: int, end: int) -> dict[str, str]:
    """`#checkov:skip` comments between two 1-based lines: check id -> reason."""
    found = {}
    for text in lines[start - 1 : end]:
        match = SKIP_COMMENT.search(text)
        if match:
            found[match.group(1)] = (match.group(2) or "").strip()
    return found


PACKER_CHECKS = 2


def check_packer(files: list[Path]) -> tuple[list[Finding], list[Finding], int, list[str]]:
    """(findings, suppressions, sources checked, parse errors) for Packer files."""
    from harness.policy.catalogue import policy_of

    findings: list[Finding] = []
    suppressions: list[Finding] = []
    errors: list[str] = []
    count = 0
    for file in files:
        try:
            blocks = load_file(file)
        except HclError as error:
            errors.append(str(error))
            continue
        lines = file.read_text(encoding="utf-8").splitlines()
        starts = [*sorted(b.line for b in blocks), len(lines) + 1]
        sources: list[Block] = [b for b in blocks if b.kind == "source"]
        for block in sources:
            if block.type not in BUILDERS:
                continue
            count += 1
            end = next(s for s in starts if s > block.line) - 1
            skips = _skips(lines, block.line, end)
            for check, message in _source_problems(block.body).items():
                finding = Finding(
                    policy=policy_of(check),
                    check=check,
                    resource=f"source.{block.type}.{block.name}",
                    file=str(file),
                    line=block.line,
                    message=message,
                    suppressed=check in skips,
                    reason=skips.get(check, ""),
                )
                (suppressions if finding.suppressed else findings).append(finding)
    return findings, suppressions, count, errors
