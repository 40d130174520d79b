"""`python -m harness terraform ...`: validate and format-check every terraform root."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from harness.errors import TerraformError
from harness.hcl import config_dirs
from harness.terraform import TEMPLATE_DIR, Runner, copy_template, fmt_check


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `terraform` command group."""
    parser = subparsers.add_parser("terraform", help="validate the terraform template")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    validate = sub.add_parser("validate", help="fmt -check, then init (no backend) + validate")
    validate.add_argument("roots", nargs="*", help="roots relative to terraform/ (default: all)")
    validate.set_defaults(func=_validate)


def all_roots(template: Path = TEMPLATE_DIR) -> list[str]:
    """Every directory of the template holding .tf files, relative to it."""
    return [str(d.relative_to(template)) for d in config_dirs(template)]


def _validate(args: argparse.Namespace) -> int:
    unformatted = fmt_check()
    if unformatted:
        print("terraform fmt would rewrite:\n  " + "\n  ".join(unformatted), file=sys.stderr)
        return 1
    copy = copy_template()
    failed = 0
    for root in args.roots or all_roots():
        started = time.monotonic()
        try:
            runner = Runner.for_root(root, workdir=copy)
            runner.init(backend=False)
            runner.validate()
            print(f"ok    {root} ({time.monotonic() - started:.1f}s)", flush=True)
        except TerraformError as error:
            failed += 1
            print(f"FAIL  {root}: {error}", file=sys.stderr, flush=True)
    return 1 if failed else 0
