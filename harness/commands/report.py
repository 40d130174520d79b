"""`python -m harness report [DIR]`: one short summary of the suites' reports."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.report import summarise


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `report` command."""
    parser = subparsers.add_parser("report", help="summarise reports/*.xml (JUnit) and findings")
    parser.add_argument("reports", nargs="?", default="reports", type=Path)
    parser.add_argument("--slowest", type=int, default=5, help="how many slow tests to list")
    parser.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    print(summarise(args.reports, args.slowest))
    return 0
