"""`python -m harness report [DIR]`: one short summary of the suites' reports."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.errors import UsageError
from harness.report import find_reports, missing_reports, summarise


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `report` command."""
    parser = subparsers.add_parser(
        "report", help="summarise the JUnit XML under DIR (any depth) and the policy findings"
    )
    parser.add_argument("reports", nargs="?", default="reports", type=Path)
    parser.add_argument("--slowest", type=int, default=5, help="how many slow tests to list")
    parser.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="NAME",
        help="a report that must be there (`unit`, `integration-stack`; `integration` is met "
        "by any shard); a missing one is listed and the exit code is 2 (repeatable)",
    )
    parser.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    print(summarise(args.reports, args.slowest, args.expect))
    missing = missing_reports((f.stem for f in find_reports(args.reports)), args.expect)
    if missing:
        raise UsageError(f"{args.reports}: no report for {', '.join(missing)}")
    return 0
