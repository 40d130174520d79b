"""`python -m harness account up|down`: an ephemeral account that outlives one command."""

from __future__ import annotations

import argparse
import json
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

from harness.account import answering, new_run_id, open_account, seed
from harness.account.moto import stop_server
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


def _record(path: Path) -> dict[str, Any] | None:
    """The run record as written, or None when it is missing or unreadable (Stack.load says why)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _moto_port(record: dict[str, Any]) -> int | None:
    return urllib.parse.urlsplit(str(record.get("endpoint_url") or "")).port


def _stop_recorded_server(record: dict[str, Any]) -> str | None:
    """Stop the run's moto server if its recorded pid still is that server; say what was done."""
    pid = record.get("moto_pid")
    if pid and stop_server(int(pid), _moto_port(record)):
        return f"stopped moto server (pid {pid})"
    return None


def _down(args: argparse.Namespace) -> int:
    run_id = require_run_id(args)
    path = run_file(run_id)
    record = _record(path)
    if record and record.get("kind") == "moto" and not answering(str(record["endpoint_url"])):
        # The emulator's state lived in its process: with the server gone nothing is left to
        # delete, and only the record stands between the run and a clean cache.
        stopped = _stop_recorded_server(record)  # a hung server still holding the port
        shutil.rmtree(path.parent)
        print(
            f"run {run_id}: its moto server at {record['endpoint_url']} is gone, and the "
            f"emulator's state with it: nothing to delete"
        )
        if stopped:
            print(stopped)
        print(f"removed {path.parent}")
        return 0
    stack, record = Stack.load(path)
    report = delete_all(stack.account, find_resources(stack.account, run_id))
    print(f"deleted {len(report.deleted)} resources of run {run_id}")
    for arn, why in report.failed.items():
        print(f"  could not delete {arn}: {why}")
    stopped = _stop_recorded_server(record)
    if stopped:
        print(stopped)
    if not report.ok:
        raise HarnessError(
            f"run {run_id}: {len(report.failed)} resources could not be deleted; "
            f"its record stays in {path.parent} for another try"
        )
    stack.forget()
    print(f"removed {path.parent}")
    return 0
