"""IMDS-01/02 for Packer `amazon-ebs` sources, checked here rather than in checkov.

Checkov has no Packer framework and its terraform runner ignores `.pkr.hcl` files, so the
harness reads them with python-hcl2 (harness.hcl) and emits findings in the same shape as
checkov's, honouring the same `#checkov:skip=<id>:<reason>` comments inside the source block.
Both places that can set `metadata_options` are checked: every top-level source (the shared
one included) and every build-level `source` block that sets them itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.hcl import Block, load_files
from harness.paths import skipped
from harness.policy.findings import Finding
from harness.policy.suppressions import skip_in

BUILDERS = ("amazon-ebs", "amazon-ebssurrogate", "amazon-ebsvolume", "amazon-instance")


def packer_files(target: Path) -> list[Path]:
    """Every `.pkr.hcl` file under `target` (or `target` itself), skipping tool caches."""
    if target.is_file():
        return [target] if target.name.endswith(".pkr.hcl") else []
    return sorted(f for f in target.rglob("*.pkr.hcl") if not skipped(f, target))


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
        skip = skip_in(text)
        if skip:
            found[skip[0]] = skip[1]
    return found


PACKER_CHECKS = 2


@dataclass(frozen=True)
class _Checked:
    """One place that sets a build instance's options: its address, line and skip range."""

    resource: str
    body: dict[str, Any]
    line: int
    end: int


def _checked_places(blocks: list[Block], starts: list[int], lines: list[str]) -> list[_Checked]:
    """Top-level amazon-* sources, and build-level ones that set metadata_options."""
    places = []
    for block in blocks:
        end = next(s for s in starts if s > block.line) - 1
        if block.kind == "source" and block.type in BUILDERS:
            places.append(
                _Checked(f"source.{block.type}.{block.name}", block.body, block.line, end)
            )
        if block.kind != "build":
            continue
        for item in block.body.get("source") or []:
            for ref, body in item.items():
                kind = ref.removeprefix("source.").split(".")[0]
                if kind not in BUILDERS or "metadata_options" not in body:
                    continue
                label = f'"{ref}"'
                line = next(
                    (n for n in range(block.line, end + 1) if label in lines[n - 1]), block.line
                )
                build = block.body.get("name", "")
                resource = f"build.{build}.source.{ref.removeprefix('source.')}"
                places.append(_Checked(resource, body, line, end))
    return places


def check_packer(files: list[Path]) -> tuple[list[Finding], list[Finding], int, list[str]]:
    """(findings, suppressions, sources checked, parse errors) for Packer files."""
    from harness.policy.catalogue import policy_of

    findings: list[Finding] = []
    suppressions: list[Finding] = []
    count = 0
    parsed, errors = load_files(files)
    for file, blocks in parsed.items():
        lines = file.read_text(encoding="utf-8").splitlines()
        starts = [*sorted(b.line for b in blocks), len(lines) + 1]
        for place in _checked_places(blocks, starts, lines):
            count += 1
            skips = _skips(lines, place.line, place.end)
            for check, message in _source_problems(place.body).items():
                finding = Finding(
                    policy=policy_of(check),
                    check=check,
                    resource=place.resource,
                    file=str(file),
                    line=place.line,
                    message=message,
                    suppressed=check in skips,
                    reason=skips.get(check, ""),
                )
                (suppressions if finding.suppressed else findings).append(finding)
    return findings, suppressions, count, errors
