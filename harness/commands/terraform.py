"""`python -m harness terraform ...`: validate and format-check every terraform root."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

from harness.errors import UsageError
from harness.paths import TEMPLATE_DIR
from harness.terraform import copy_template
from harness.validate import fmt_check, standalone_dirs, validate_all


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `terraform` command group."""
    parser = subparsers.add_parser("terraform", help="validate the terraform template")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    validate = sub.add_parser("validate", help="fmt -check, then init (no backend) + validate")
    validate.add_argument(
        "roots",
        nargs="*",
        help="roots relative to terraform/ (default: roots + standalone modules)",
    )
    validate.set_defaults(func=_validate)


def _validate(args: argparse.Namespace) -> int:
    unformatted = fmt_check()
    if unformatted:
        print("terraform fmt would rewrite:\n  " + "\n  ".join(unformatted), file=sys.stderr)
        return 1
    roots = args.roots or standalone_dirs()
    unknown = [r for r in roots if not list((TEMPLATE_DIR / r).glob("*.tf")) or ".." in r]
    if unknown:
        raise UsageError(f"no terraform root {', '.join(unknown)} under {TEMPLATE_DIR}")
    print(f"validating {len(roots)} roots and modules, {os.cpu_count() or 1} at a time", flush=True)
    started = time.monotonic()

    def report(root: str, error: str | None, cached: bool) -> None:
        elapsed = f"{time.monotonic() - started:5.1f}s"
        if error is not None:
            print(f"{elapsed} FAIL  {root}: {error}", flush=True)
        else:
            print(f"{elapsed} ok    {root}{': cached' if cached else ''}", flush=True)

    copy = copy_template()
    try:
        results = validate_all(roots, copy, jobs=os.cpu_count() or 1, progress=report)
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)  # the tf-* directory copy_template made
    print(f"validated in {time.monotonic() - started:.1f}s", flush=True)
    return 1 if any(results.values()) else 0
