"""`python -m harness policy PATH...`: scan Terraform/Packer HCL with the policy catalogue."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.policy.findings import ScanResult
from harness.policy.report import FORMATS, render
from harness.policy.scan import scan

SUFFIX_FORMATS = {".json": "json", ".sarif": "sarif", ".xml": "junit"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `policy` command."""
    parser = subparsers.add_parser(
        "policy",
        help="scan Terraform and Packer HCL against the policy catalogue",
        description="Exit 0: no unsuppressed finding; 1: findings; 2: could not scan.",
    )
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="directory or .tf/.pkr.hcl file"
    )
    parser.add_argument("--format", choices=FORMATS, help="report format (default: table)")
    parser.add_argument(
        "--output",
        type=Path,
        action="append",
        default=[],
        help="write the report here instead of stdout; repeatable, the format then follows "
        "the suffix (.json, .sarif, .xml, else table)",
    )
    parser.set_defaults(func=_policy)


def merge(results: list[ScanResult]) -> ScanResult:
    """One result for several scanned paths."""
    merged = ScanResult(path=" ".join(r.path for r in results))
    for result in results:
        merged.findings.extend(result.findings)
        merged.suppressions.extend(result.suppressions)
        merged.passed += result.passed
        merged.resource_count += result.resource_count
        merged.seconds += result.seconds
    return merged


def _format_for(output: Path, given: str | None, outputs: int) -> str:
    if given and outputs == 1:
        return given
    return SUFFIX_FORMATS.get(output.suffix, "table")


def _policy(args: argparse.Namespace) -> int:
    result = merge([scan(path) for path in args.paths])
    for output in args.output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render(result, _format_for(output, args.format, len(args.output))))
    if args.output:
        print(
            f"{', '.join(map(str, args.output))}: {len(result.findings)} finding(s), "
            f"{len(result.suppressions)} suppressed",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(render(result, args.format or "table"))
    return 1 if result.findings else 0
