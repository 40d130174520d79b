"""`python -m harness policy PATH`: scan Terraform/Packer with the policy catalogue."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.policy.report import FORMATS, render
from harness.policy.scan import scan


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `policy` command."""
    parser = subparsers.add_parser(
        "policy",
        help="scan Terraform and Packer HCL against the policy catalogue",
        description="Exit 0: no unsuppressed finding; 1: findings; 2: could not scan.",
    )
    parser.add_argument("path", type=Path, help="directory (or .tf / .pkr.hcl file) to scan")
    parser.add_argument("--format", choices=FORMATS, default="table", help="report format")
    parser.add_argument("--output", type=Path, help="write the report here instead of stdout")
    parser.set_defaults(func=_policy)


def _policy(args: argparse.Namespace) -> int:
    result = scan(args.path)
    text = render(result, args.format)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(
            f"{args.output}: {len(result.findings)} finding(s), "
            f"{len(result.suppressions)} suppressed",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 1 if result.findings else 0
