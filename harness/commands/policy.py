"""`python -m harness policy PATH...`: scan Terraform/Packer HCL with the policy catalogue."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from harness.errors import FINDINGS, OK, USAGE, PolicyError, UsageError
from harness.paths import write_atomically
from harness.policy.findings import ScanResult, sorted_findings
from harness.policy.report import FORMATS, render
from harness.policy.scan import scan

SUFFIX_FORMATS = {".json": "json", ".sarif": "sarif", ".xml": "junit"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `policy` command."""
    parser = subparsers.add_parser(
        "policy",
        help="scan Terraform and Packer HCL against the policy catalogue",
        description="Static (PATH...: the HCL) or plan-resolved (--plan ROOT) scanning. "
        "Exit 0: every check passed; 1: findings (with --strict, unknowns too); "
        "2: incomplete (a file or value could not be read) or bad input; "
        "5: terraform or the account failed under --plan.",
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="directory or .tf/.pkr.hcl file"
    )
    parser.add_argument(
        "--plan",
        type=Path,
        metavar="ROOT",
        help="plan ROOT against the embedded moto account (its dependencies applied first) and "
        "scan the plan's resolved values instead of the HCL; the account is torn down after",
    )
    parser.add_argument(
        "--var-file",
        type=Path,
        action="append",
        default=[],
        help="with --plan: a tfvars file for the plan (repeatable)",
    )
    parser.add_argument("--format", choices=FORMATS, help="report format (default: table)")
    parser.add_argument(
        "--output",
        type=Path,
        action="append",
        default=[],
        help="write the report here instead of stdout; repeatable, the format then follows "
        "the suffix (.json, .sarif, .xml, else table); the directory must exist",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="count every unknown (a value the scan could not resolve) as a finding",
    )
    parser.set_defaults(func=_policy)


def merge(results: list[ScanResult]) -> ScanResult:
    """One result for several scanned paths."""
    merged = ScanResult(path=" ".join(r.path for r in results))
    for result in results:
        merged.findings.extend(result.findings)
        merged.unknowns.extend(result.unknowns)
        merged.suppressions.extend(result.suppressions)
        merged.parse_errors.extend(result.parse_errors)
        merged.roots.extend(result.roots)
        merged.cached.extend(result.cached)
        merged.passed += result.passed
        merged.resource_count += result.resource_count
        merged.seconds += result.seconds
    merged.findings = sorted_findings(merged.findings)
    merged.unknowns = sorted_findings(merged.unknowns)
    return merged


def check_output(output: Path) -> None:
    """Refuse an --output the report cannot be written to, before any scanning."""
    parent = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise PolicyError(f"--output {output}: is a directory")
    if not parent.is_dir():
        raise PolicyError(f"--output {output}: directory {parent} does not exist")
    if output.exists() and not output.is_file():
        return  # a device such as /dev/full or /dev/stdout: written in place, checked then
    if not os.access(parent, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise PolicyError(f"--output {output}: not writable")


def write_report(output: Path, text: str) -> None:
    """Write the report atomically (a device in place); any failure names the option."""
    try:
        if output.exists() and not output.is_file():
            with output.open("w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
        else:
            write_atomically(output, text)
    except OSError as error:
        raise PolicyError(f"--output {output}: {error.strerror or error}") from None


def _format_for(output: Path, given: str | None, outputs: int) -> str:
    if given and outputs == 1:
        return given
    return SUFFIX_FORMATS.get(output.suffix, "table")


def exit_code(result: ScanResult) -> int:
    """1 for findings; 2 when the scan is incomplete (parse errors, unknowns); else 0."""
    if result.parse_errors or result.unknowns:
        return USAGE
    return FINDINGS if result.findings else OK


def _policy(args: argparse.Namespace) -> int:
    if args.plan is not None and args.paths:
        raise UsageError("give PATH... (static scan) or --plan ROOT, not both")
    if args.plan is None and not args.paths:
        raise UsageError("nothing to scan: give PATH... or --plan ROOT")
    if args.var_file and args.plan is None:
        raise UsageError("--var-file only goes with --plan ROOT")
    for output in args.output:
        check_output(output)
    if args.plan is not None:
        from harness.policy.plan import check_plan_inputs, plan_scan

        check_plan_inputs(args.plan, args.var_file)
        progress = partial(print, file=sys.stderr, flush=True)
        result = plan_scan(args.plan, args.var_file, progress=progress)
    else:
        result = merge([scan(path) for path in args.paths])
        for path in result.cached:
            print(f"policy {path}: cached (checkov not run)", file=sys.stderr, flush=True)
    if args.strict:
        result = result.strict()
    for output in args.output:
        write_report(output, render(result, _format_for(output, args.format, len(args.output))))
    if args.output:
        print(
            f"{', '.join(map(str, args.output))}: {len(result.findings)} finding(s), "
            f"{len(result.unknowns)} unknown, {len(result.suppressions)} suppressed",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(render(result, args.format or "table"))
    for error in result.parse_errors:
        print(f"incomplete: {error}", file=sys.stderr)
    if result.unknowns:
        print(
            f"incomplete: {len(result.unknowns)} check(s) could not be decided (listed as "
            "unknown); --strict counts them as findings",
            file=sys.stderr,
        )
    return exit_code(result)
