"""`python -m harness account up|down`: an ephemeral account that outlives one command."""

from __future__ import annotations

import argparse
import os
import signal

from harness.account import new_run_id, open_account, seed
from harness.commands._run import add_run_options, require_run_id, run_file
from harness.errors import HarnessError
from harness.stack import Stack
from harness.sweep import delete_all, find_resources


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `account` command group."""
    parser = subparsers.add_parser("account", help="start, seed or stop an ephemeral account")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = sub.add_parser("up", help="start (moto) or open (aws) an account and seed it")
    add_run_options(up)
    up.set_defaults(func=_up)
    down = sub.add_parser("down", help="delete what the run tagged and stop its moto server")
    add_run_options(down, account=False)
    down.set_defaults(func=_down)


def _up(args: argparse.Namespace) -> int:
    run_id = args.run_id or new_run_id()
    account = open_account(args.account, run_id, args.region, detach=True)
    seeded = seed(account)
    stack = Stack.create(account, seeded, into=run_file(run_id).parent)
    path = stack.record()
    print(f"run {run_id} on {account.kind} ({path})")
    for key, value in account.env.items():
        print(f"export {key}={value}")
    print(f"export HARNESS_RUN_ID={run_id}")
    return 0


def _down(args: argparse.Namespace) -> int:
    run_id = require_run_id(args)
    stack, record = Stack.load(run_file(run_id))
    report = delete_all(stack.account, find_resources(stack.account, run_id))
    print(f"deleted {len(report.deleted)} resources of run {run_id}")
    for arn, why in report.failed.items():
        print(f"  could not delete {arn}: {why}")
    if record.get("moto_pid"):
        try:
            os.kill(int(record["moto_pid"]), signal.SIGTERM)
            print(f"stopped moto server (pid {record['moto_pid']})")
        except ProcessLookupError:
            pass
    if not report.ok:
        raise HarnessError(
            f"run {run_id}: {len(report.failed)} resources could not be deleted; "
            f"its record stays in {run_file(run_id).parent} for another try"
        )
    stack.forget()
    return 0
