"""`python -m harness sweep --older-than 6h`: delete what older runs leaked (found by tag)."""

from __future__ import annotations

import argparse
import os

from harness.account import open_account
from harness.commands._run import add_run_options
from harness.sweep import parse_duration, sweep


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `sweep` command."""
    parser = subparsers.add_parser(
        "sweep", help="delete resources tagged harness:run-id by runs older than a limit"
    )
    add_run_options(parser)
    parser.add_argument("--older-than", default="6h", help="age limit, e.g. 90s, 30m, 6h, 2d")
    parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    parser.add_argument(
        "--endpoint-url",
        default=os.environ.get("AWS_ENDPOINT_URL"),
        help="a running moto server (default: $AWS_ENDPOINT_URL)",
    )
    parser.set_defaults(func=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    older_than = parse_duration(args.older_than)  # a bad value is refused before anything else
    if args.account == "moto" and not args.endpoint_url:
        print(
            "nothing to sweep: a moto account lives only as long as its server "
            "(give --endpoint-url or --account=aws)"
        )
        return 0
    account = open_account(
        args.account, args.run_id or "sweep", args.region, endpoint_url=args.endpoint_url
    )
    report = sweep(account, older_than, run_id=args.run_id, dry_run=args.dry_run)
    verb = "would keep" if args.dry_run else "kept"
    for resource in report.selected if args.dry_run else []:
        print(f"would delete {resource.kind:32} {resource.arn} (run {resource.run_id})")
    for resource in report.deleted:
        print(f"deleted  {resource.kind:32} {resource.arn} (run {resource.run_id})")
    for resource in report.kept:
        print(f"{verb:8} {resource.kind:32} {resource.arn} (run {resource.run_id})")
    for arn, why in report.failed.items():
        print(f"FAILED   {arn}: {why}")
    done = (
        f"{len(report.selected)} would be deleted"
        if args.dry_run
        else (f"{len(report.deleted)} deleted")
    )
    print(f"{done}, {len(report.kept)} kept, {len(report.failed)} failed")
    return 0 if report.ok else 1
